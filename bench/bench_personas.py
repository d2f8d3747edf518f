"""Walk the persona cases in tests/cases/ through the questionnaire and count what it asks.

Each persona answers every question from its profile: the option or band that fits, the exact
figure or date typed, "Not sure" where the profile has no value (a checklist option is ticked
when the profile holds its value). One more persona answers "Not sure" to everything it can.
Screens are counted as a person sees them: every question, the opening question and each
checklist count as one; the summary before the result does not ask anything and is not counted.
No shortcut ("see my result now") is pressed. Run:

    .venv/bin/python bench/bench_personas.py [--lang en] [--verbose]

Prints the screens per persona (median, max), the result's length in characters as the text
renderer writes it (median, max), and checks that the walked result names exactly the schemes
that evaluating the persona's full profile matches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs import QuestionFlow
from tests.dialogs.personas import Persona, Walk, load_personas, walk_persona


def result_length(walk: Walk, flow: QuestionFlow) -> int:
    """The result's visible text as Telegram shows it (HTML stripped), drawn by the one
    renderer from the walked session, as bench_result_length.py measures it."""
    from bot.views import visible_text
    from bot.views.result import result_view
    from bot.views.session import result_input

    as_of = walk.full_profile.as_of
    inp = result_input(flow.evaluating_on(as_of), walk.session, today=as_of, provisional=False)
    return len(visible_text(result_view(inp)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", default="en", choices=("en", "zh-hant", "zh-hans"))
    parser.add_argument("--verbose", action="store_true", help="print each persona's path")
    args = parser.parse_args(argv)

    personas: list[Persona] = load_personas()
    flow = QuestionFlow.default()
    counts: list[int] = []
    lengths: list[int] = []
    lost: list[str] = []
    width = max(len(p.name) for p in personas)
    for persona in personas:
        walk = walk_persona(persona, lang=args.lang)
        counts.append(walk.screens)
        length = result_length(walk, flow)
        lengths.append(length)
        mark = "" if walk.matches == walk.expected_matches else "  LOST/EXTRA"
        if mark:
            lost.append(persona.name)
        print(
            f"{persona.name:<{width}}  {walk.screens:>2} screens  {length:>5} chars  "
            f"matches: {', '.join(sorted(walk.matches)) or '-'}{mark}"
        )
        if args.verbose:
            print("    " + " → ".join(walk.path))
    print()
    print(
        f"{len(personas)} personas: screens median {statistics.median(counts):g}, "
        f"max {max(counts)} (target: median ≤ 8, max ≤ 12)"
    )
    print(
        f"result text ({args.lang}): median {statistics.median(lengths):,.0f} characters, "
        f"max {max(lengths):,}"
    )
    print(f"walked matches differ from the full profile's for: {', '.join(lost) or 'none'}")
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
