"""Production settings: `check --deploy` reports nothing, and SQLite is refused."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "elevhalsa.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-only-" + "y" * 20,
    "ALLOWED_HOSTS": "elevhalsa.example.se",
    "DATABASE_URL": "postgres://app@127.0.0.1:5432/elevhalsa",
    "ACCESS_LOG_SEAL_KEY": "k" * 64,
}


def _manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_in_production():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_sqlite():
    result = _manage("check", **{**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"})
    assert result.returncode != 0
    assert "Production needs PostgreSQL" in result.stderr


def test_production_refuses_the_demo_secret_key():
    env = {
        **PRODUCTION_ENV,
        "SECRET_KEY": "django-insecure-demo-key-only-for-the-local-sqlite-demo",
    }
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_demo_seal_key():
    env = {**PRODUCTION_ENV, "ACCESS_LOG_SEAL_KEY": "demo-access-log-seal-key-not-for-production"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "ACCESS_LOG_SEAL_KEY" in result.stderr
