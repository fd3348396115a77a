"""API tokens for the demo accounts, so scripts can drive the API as soon as `seed_demo
--credentials FILE` has run (issue #6)."""

import datetime as dt
import json
from pathlib import Path

from django.utils import timezone

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken, User

DEMO_TOKEN_DAYS = 90


def demo_api_tokens_add(*, path: Path) -> int:
    """Give every account listed in the credentials file a read-and-write token (90 days), and
    write it beside the account's password as `api_token`. Returns how many were created."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    users = {u.username: u for u in User.objects.filter(username__in=[row["username"] for row in rows])}
    expires_on = timezone.localdate() + dt.timedelta(days=DEMO_TOKEN_DAYS)
    for row in rows:
        _token, row["api_token"] = api_token_create(
            user=users[row["username"]], name="demo", scope=ApiToken.Scope.WRITE, expires_on=expires_on
        )
    path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return len(rows)
