"""seed_demo --credentials FILE gives each demo account a working API token."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_every_demo_login_has_a_working_read_and_write_token(tmp_path):
    path = tmp_path / "demo-credentials.json"
    call_command("seed_demo", incidents=50, credentials=path, stdout=io.StringIO())
    rows = json.loads(path.read_text())
    assert rows and all(row["api_token"].startswith("vrs_") for row in rows)
    assert path.stat().st_mode & 0o077 == 0
    for row in (rows[0], rows[-1]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {row['api_token']}")
        me = client.get("/api/v1/me/").json()
        assert (me["username"], me["token_scope"]) == (row["username"], "write")
