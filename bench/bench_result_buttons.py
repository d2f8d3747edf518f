"""How many buttons a result carries, and how long their labels are, per language.

Each persona of `tests/cases/*.yaml` (plus one with everything unknown) is rendered by the one
result renderer (`bot.views.result`); counted are the rows and buttons of its keyboard, the
longest label, and how many results have a Compare button (two or three schemes fit or may fit).
Telegram allows 100 buttons and 64 bytes of callback data; a phone shows about 20 characters of
a label in a row of two. Run:

    .venv/bin/python bench/bench_result_buttons.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_result_length import personas  # noqa: E402
from bot.views.result import ResultInput, result_view  # noqa: E402
from rules import evaluate_profile  # noqa: E402
from rules.gaps import gaps, unknown_points  # noqa: E402


def main() -> None:
    print(f"{'lang':8} {'results':>7} {'compare':>7} {'rows med/max':>12} "
          f"{'buttons med/max':>15} {'longest label':>13}")  # fmt: skip
    for lang in ("en", "zh-hant", "zh-hans"):
        rows, buttons, longest, compare = [], [], 0, 0
        for _name, profile in personas():
            inp = ResultInput(
                evaluate_profile(profile, lang),  # type: ignore[arg-type]
                lang,  # type: ignore[arg-type]
                gaps(profile),
                points_unknown=unknown_points(profile),
            )
            view = result_view(inp)
            actions = view.actions()
            rows.append(len(view.rows))
            buttons.append(len(actions))
            longest = max(longest, *(len(a.label) for a in actions))
            compare += any(a.kind == "compare" for a in actions)
        print(f"{lang:8} {len(rows):>7} {compare:>7} "
              f"{statistics.median(rows):>5.0f} / {max(rows):<4} "
              f"{statistics.median(buttons):>7.0f} / {max(buttons):<5} {longest:>13}")  # fmt: skip


if __name__ == "__main__":
    main()
