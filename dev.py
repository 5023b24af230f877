#!/usr/bin/env python3
"""The README's two commands, with nothing but Python and its venv module:

    python3 dev.py demo   # set up, migrate, load demo data, serve on http://127.0.0.1:8000
    python3 dev.py test   # run the whole test suite (extra arguments go to pytest)

Both create ``.venv`` and install the project into it when pyproject.toml has changed.
Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install the project with its dev extras, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before anything checks it
        sys.exit("Python 3.11 or newer is needed.")
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print("Installing dependencies into .venv …", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", f"{ROOT}[dev]")
    STAMP.write_text(wanted)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run(PYTHON, ROOT / "manage.py", *args, env=env)


def demo(args: list[str]) -> None:
    ensure_environment()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "elevhalsa.settings.base"}
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("seed_demo", env=env)  # prints the demo logins, also when the data exists
    address = args[0] if args else "127.0.0.1:8000"
    print(f"Serving http://{address} — demo logins above and in README.md", flush=True)
    # Periodic jobs run in the background while the demo serves, as cron would in production.
    jobs = subprocess.Popen(
        [str(PYTHON), str(ROOT / "manage.py"), "run_due_jobs", "--loop", "300"], cwd=ROOT, env=env
    )
    try:
        manage("runserver", address, *args[1:], env=env)
    except KeyboardInterrupt:
        pass
    finally:
        jobs.terminate()


def test(args: list[str]) -> None:
    ensure_environment()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "elevhalsa.settings.test"}
    env.pop("DEBUG", None)
    # Both cores by default (pytest-xdist); "-n 0" runs in one process, e.g. for a debugger.
    parallel = [] if any(a == "-n" or a.startswith("-n") for a in args) else ["-n", "auto"]
    run(PYTHON, "-m", "pytest", *parallel, *args, env=env)


COMMANDS = {"demo": demo, "test": test, "install": lambda args: ensure_environment()}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [arguments]")
    COMMANDS[sys.argv[1]](sys.argv[2:])
