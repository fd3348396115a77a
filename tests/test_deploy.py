"""Production settings (issue #9): `check --deploy` is clean, and the settings refuse to start with
a default or short secret, with DEBUG on, or without allowed hosts (docs/security.md)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check(**env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "OTP_REQUIRED", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "sqlite:///:memory:",
            "ALLOWED_HOSTS": "vrs.example.org",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    done = check(SECRET_KEY=secrets.token_urlsafe(50))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "true"}, "DEBUG"),
        ({"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_unsafely(env, says):
    done = check(**env)
    assert done.returncode != 0 and "ImproperlyConfigured" in done.stderr and says in done.stderr


def test_turning_two_factor_off_is_a_deploy_warning():
    done = check(SECRET_KEY=secrets.token_urlsafe(50), OTP_REQUIRED="false")
    assert done.returncode != 0 and "vrs.W001" in done.stdout + done.stderr
