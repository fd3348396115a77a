"""Production settings (issue #9): `check --deploy` is clean, and the settings refuse to start with
a default or short secret, with DEBUG on, without allowed hosts or without a shared cache (docs/security.md)."""

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
            "CACHE_URL": "redis://127.0.0.1:6379/14",
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
        ({"SECRET_KEY": secrets.token_urlsafe(50), "CACHE_URL": ""}, "CACHE_URL"),
    ],
)
def test_production_refuses_to_start_unsafely(env, says):
    done = check(**env)
    assert done.returncode != 0 and "ImproperlyConfigured" in done.stderr and says in done.stderr


def test_turning_two_factor_off_is_a_deploy_warning():
    done = check(SECRET_KEY=secrets.token_urlsafe(50), OTP_REQUIRED="false")
    assert done.returncode != 0 and "vrs.W001" in done.stdout + done.stderr


DOCS_PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="vrs.example.org")
print(client.get("/api/schema/", secure=True).status_code)
print(client.get("/api/docs/", secure=True).status_code)  # public, it would need collectstatic's files
"""


@pytest.mark.parametrize(("public", "answers"), [("", ["401", "401"]), ("true", ["200"])])
def test_the_api_schema_and_docs_need_sign_in_in_production_unless_made_public(public, answers):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "OTP_REQUIRED", "API_DOCS_PUBLIC"}}
    done = subprocess.run(
        [sys.executable, "-c", DOCS_PROBE],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "sqlite:///:memory:",
            "ALLOWED_HOSTS": "vrs.example.org",
            "CACHE_URL": "redis://127.0.0.1:6379/14",
            "SECRET_KEY": secrets.token_urlsafe(50),
            **({"API_DOCS_PUBLIC": public} if public else {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.isdigit()]
    assert lines[: len(answers)] == answers, done.stdout[-1000:] + done.stderr[-2000:]
