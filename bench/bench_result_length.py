"""How long the result is: characters a person reads, per persona, in each language.

Each persona in `tests/cases/*.yaml` has its profile evaluated on its `as_of` (plus one profile
with everything unknown) and rendered by the one result renderer (`bot.views.result`) as
Telegram shows it: the visible text of its messages, HTML stripped. Run:

    .venv/bin/python bench/bench_result_length.py [--lang en|zh-hant|zh-hans|all] [--each]

Prints the median and the maximum (target: median <= 1,500 characters, none over 3,000) and,
with --each, one line per persona. Buttons are not counted (they are not read as text).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.views import visible_text  # noqa: E402
from bot.views.result import ResultInput, result_view  # noqa: E402
from bot.views.session import _fields_by_question  # noqa: E402
from dialogs import QuestionFlow  # noqa: E402
from rules import evaluate_profile  # noqa: E402
from rules.gaps import gaps, unknown_points  # noqa: E402
from rules.profile import Profile  # noqa: E402

UNKNOWN_AS_OF = date(2026, 11, 25)


def personas() -> list[tuple[str, Profile]]:
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = dict(case["profile"])
        data["as_of"] = case["as_of"]
        out.append((path.stem, Profile.model_validate(data)))
    out.append(("(everything unknown)", Profile(as_of=UNKNOWN_AS_OF)))
    return out


def result_length(profile: Profile, lang: str, askable: frozenset[str]) -> int:
    inp = ResultInput(
        evaluation=evaluate_profile(profile, lang),  # type: ignore[arg-type]
        lang=lang,  # type: ignore[arg-type]
        gaps=gaps(profile),
        askable=askable,
        points_unknown=unknown_points(profile),
    )
    return len(visible_text(result_view(inp)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="all")
    parser.add_argument("--each", action="store_true", help="one line per persona")
    args = parser.parse_args()
    langs = ["en", "zh-hant", "zh-hans"] if args.lang == "all" else [args.lang]
    askable = frozenset().union(*_fields_by_question(QuestionFlow.default()).values())
    cases = personas()
    for lang in langs:
        lengths = {name: result_length(p, lang, askable) for name, p in cases}
        if args.each:
            for name, n in sorted(lengths.items(), key=lambda kv: -kv[1]):
                print(f"  {lang:8} {n:6,d}  {name}")
        values = list(lengths.values())
        worst = max(lengths, key=lambda k: lengths[k])
        print(
            f"{lang:8} result characters over {len(values)} personas: "
            f"median {statistics.median(values):,.0f}, max {max(values):,d} ({worst})"
        )


if __name__ == "__main__":
    main()
