"""Issue 13: a fresh clone's `scripts/run` installs what running needs and nothing else.

The install step of `scripts/run` (`scripts/setup run`) runs in a `git clone` of this checkout,
into the clone's own .venv: from the package index (reachable where the tests run; pip's or
uv's cache makes a second run quick). Marked `install`, run by default and in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dialogs import QuestionFlow

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("pytest", "ruff", "hypothesis", "pycountry", "tornado")

pytestmark = pytest.mark.install


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
    )
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed to clone the checkout")
    target = tmp_path_factory.mktemp("fresh") / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
        check=True, timeout=120,
    )  # fmt: skip
    return target


def _setup(clone: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        ["scripts/setup", *args],
        cwd=clone, env=env or _clean_env(), capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip


def test_run_installs_the_runtime_without_test_tools(clone: Path) -> None:
    done = _setup(clone, "run")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # one short line per stage, nothing else: no installer warnings, no ignored locations
    assert lines and all(line.startswith("setup: ") for line in lines), done.stderr
    assert any("installing what the bot needs to run" in line for line in lines)
    assert lines[-1].startswith("setup: ready in ")
    assert done.stdout == ""
    python = clone / ".venv" / "bin" / "python"
    for module in DEV_ONLY:
        found = subprocess.run(
            [str(python), "-c", f"import importlib.util as u; print(u.find_spec({module!r}))"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert found.stdout.strip() == "None", f"{module} was installed by scripts/run's set-up"
    assert not (clone / ".venv" / "bin" / "ruff").exists()
    assert not (clone / ".venv" / "bin" / "pytest").exists()
    # what running needs is there: the terminal chat starts and answers
    chat = subprocess.run(
        [str(python), "-m", "bot", "chat"], cwd=clone, input="quit\n",
        capture_output=True, text=True, timeout=120, check=False, env=_clean_env(),
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    first = QuestionFlow.default().export()["questions"][0]["prompt"]["en"]
    assert first in chat.stdout
    imported = subprocess.run(
        [str(python), "-c", "import bot.runner, bot.webhook, psycopg, uvicorn, starlette"],
        cwd=clone, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert (clone / ".venv" / ".setup-run").exists()
    assert not (clone / ".venv" / ".setup-dev").exists()


def test_second_run_is_silent_and_skips_the_install(clone: Path) -> None:
    assert (clone / ".venv" / ".setup-run").exists(), "runs after the first test"
    again = _setup(clone, "run")
    assert again.returncode == 0, again.stderr
    assert again.stderr == "" and again.stdout == ""


def test_a_changed_pyproject_installs_again(clone: Path) -> None:
    stamp = clone / ".venv" / ".setup-run"
    stamp.write_text("an older pyproject.toml\n")
    again = _setup(clone, "run")
    assert again.returncode == 0, again.stderr
    assert "setup: installing what the bot needs to run" in again.stderr
    assert stamp.read_text() != "an older pyproject.toml\n"


def test_unknown_mode_or_installer_is_refused(clone: Path) -> None:
    bad_mode = _setup(clone, "everything")
    assert bad_mode.returncode == 2 and "usage: scripts/setup [run|dev]" in bad_mode.stderr
    (clone / ".venv" / ".setup-run").unlink()
    bad = _setup(clone, "run", env={**_clean_env(), "SETUP_INSTALLER": "conda"})
    assert bad.returncode == 2 and "SETUP_INSTALLER must be uv or pip" in bad.stderr
