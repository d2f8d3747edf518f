"""`python -m dialogs export` (the questionnaire as JSON) and `python -m dialogs diagram`
(a Mermaid diagram of the state machine; committed as docs/flow.mmd)."""

from __future__ import annotations

import argparse
import sys

from dialogs.diagram import mermaid
from dialogs.flow import QuestionFlow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dialogs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("export", help="print the questionnaire as JSON")
    sub.add_parser("diagram", help="print a Mermaid state diagram of the questionnaire")
    args = parser.parse_args(argv)
    flow = QuestionFlow.default(skip_by_rules=False)
    out = flow.export_json() + "\n" if args.command == "export" else mermaid(flow)
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
