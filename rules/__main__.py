"""Command line for the rules.

python -m rules evaluate FILE|- [--lang L]   a profile JSON in, the result JSON out
python -m rules schema                       the profile's JSON Schema (what `evaluate` reads)
python -m rules schemes                      the scheme catalogue as JSON
python -m rules sources                      docs/sources.md: each fact's source and confidence

`evaluate` reads a profile JSON (the contract's shape) and prints the result JSON. Invalid input
exits with status 2 and one line on standard error naming the bad field, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import NoReturn

from pydantic import ValidationError

from rules.catalogue_models import CatalogueError, load_catalogue
from rules.evaluator import evaluate_profile
from rules.i18n import parse_lang
from rules.profile import Profile
from rules.sources_page import sources_markdown

EXIT_INVALID = 2
EXIT_CATALOGUE = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(message)


def _fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    raise SystemExit(code)


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the first bad field: `age: Input should be a valid integer`."""
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown field name"
    elif err["type"] == "json_invalid":
        message = f"not valid JSON ({err.get('ctx', {}).get('error', message)})"
        loc = loc or "input"
    if loc and message.startswith(f"{loc} "):
        message = message[len(loc) + 1 :]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc or 'profile'}: {message}{more}"


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        _fail(f"{source}: no such file")
    except IsADirectoryError:
        _fail(f"{source}: is a directory")
    except OSError as exc:
        _fail(f"{source}: cannot read ({exc.strerror})")


def _evaluate(source: str, lang: str) -> None:
    try:
        lang = parse_lang(lang)
    except ValueError as exc:
        _fail(f"--lang: {exc}")
    raw = _read(source)
    try:
        profile = Profile.model_validate_json(raw)
    except ValidationError as exc:
        _fail(describe_validation_error(exc))
    evaluation = evaluate_profile(profile, lang)  # type: ignore[arg-type]
    json.dump(evaluation.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _schema() -> None:
    """The JSON Schema of `Profile`, from the model itself, so it cannot drift from validation."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    schema.update(Profile.model_json_schema())
    json.dump(schema, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _sources() -> None:
    sys.stdout.write(sources_markdown(load_catalogue()))


def _schemes() -> None:
    catalogue = load_catalogue()
    json.dump(catalogue.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def main(argv: list[str] | None = None) -> None:
    parser = _Parser(prog="python -m rules", description="Hong Kong admission scheme rules.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    evaluate = commands.add_parser("evaluate", help="evaluate a profile JSON (FILE or - for stdin)")
    evaluate.add_argument("file", metavar="FILE")
    evaluate.add_argument(
        "--lang", default="en", help="en, zh-hant or zh-hans (zh, zh-tw, zh-hk, zh-cn… accepted)"
    )
    commands.add_parser("schema", help="print the profile's JSON Schema (what evaluate reads)")
    commands.add_parser("schemes", help="print the scheme catalogue as JSON")
    commands.add_parser("sources", help="print docs/sources.md (each fact's source, confidence)")
    args = parser.parse_args(argv)
    try:
        if args.command == "evaluate":
            _evaluate(args.file, args.lang)
        elif args.command == "schema":
            _schema()
        elif args.command == "sources":
            _sources()
        else:
            _schemes()
    except CatalogueError as exc:
        _fail(f"catalogue: {exc}", EXIT_CATALOGUE)
    except BrokenPipeError:
        sys.stderr.close()


if __name__ == "__main__":
    main()
