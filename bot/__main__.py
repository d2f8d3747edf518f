"""`python -m bot`: run the bot (polling or webhook), or the terminal chat when there is no token.

python -m bot                       # Telegram if TELEGRAM_BOT_TOKEN is set, else terminal chat
python -m bot chat [--lang zh-hant] # the questionnaire in this terminal
python -m bot preview [--out DIR]   # DIR/preview.html: every screen, three languages side by side
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "chat":
        from bot.terminal_chat import main as chat_main

        return chat_main(args[1:])
    if args and args[0] == "preview":
        from bot.preview import main as preview_main

        return preview_main(args[1:])
    if args and args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0

    from bot.settings import Settings

    settings = Settings()
    if not settings.token:
        print(
            "No TELEGRAM_BOT_TOKEN is set, so here is the questionnaire as a terminal chat.\n"
            "(Set the token in the environment or in .env to run the Telegram bot.)\n",
            file=sys.stderr,
        )
        from bot.terminal_chat import main as chat_main

        return chat_main(args)

    if args:  # the Telegram bot takes its settings from the environment, never from arguments
        print(
            f"python -m bot: unexpected arguments {' '.join(args)!r}: the Telegram bot reads its "
            "settings from the environment or .env (arguments such as --lang belong to "
            "`python -m bot chat`).",
            file=sys.stderr,
        )
        return 2

    from bot.runner import run

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
