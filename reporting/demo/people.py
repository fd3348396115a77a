"""Demo users: one contributor, focal point and analyst per participant, and two secretariat users.

Passwords are random for each run (never derived from the public default seed, so a demo reachable
from a network does not have guessable logins) and printed once. Django's PBKDF2 takes about 0.3 s
per hash on a small machine, so ~65 users would cost 20 s of `make run`: instead there is one
password per role, hashed once, and the hashes run in parallel threads (hashlib releases the GIL).
Every login is still a real PBKDF2 check of the printed password.
"""

import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password

from accounts.models import Agency, Membership, Participant, Role, User

PARTICIPANT_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST)
SECRETARIAT_USERNAMES = ("secretariat", "secretariat-analyst")
ROLE_SLUGS = {Role.CONTRIBUTOR: "contributor", Role.FOCAL_POINT: "focal", Role.ANALYST: "analyst"}


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    role: str
    participant: str  # participant code, "" for the secretariat


def passwords_draw(roles) -> dict[str, str]:
    return {role: f"vrs-{secrets.token_urlsafe(9)}" for role in roles}


def passwords_hash(passwords: dict[str, str]) -> dict[str, str]:
    """One PBKDF2 hash per distinct password, computed in parallel."""
    with ThreadPoolExecutor(max_workers=max(1, min(len(passwords), os.cpu_count() or 1))) as pool:
        hashes = dict(zip(passwords, pool.map(make_password, passwords.values()), strict=True))
    return hashes


def _agency_for(role: str, agencies: list[Agency]) -> Agency | None:
    # Contributors enter data for an agency; focal points and analysts speak for the participant.
    return agencies[0] if role == Role.CONTRIBUTOR and agencies else None


def demo_users_create(*, participants: list[Participant]) -> list[Credential]:
    """Users with their memberships; returns the credentials to print. No PII: role-named accounts."""
    passwords = passwords_draw((*PARTICIPANT_ROLES, Role.SECRETARIAT))
    hashes = passwords_hash(passwords)
    credentials: list[Credential] = []
    for participant in participants:
        agencies = list(participant.agencies.order_by("id"))
        for role in PARTICIPANT_ROLES:
            username = f"{participant.code.lower()}-{ROLE_SLUGS[role]}"
            _user_create(username=username, password_hash=hashes[role], role=role, participant=participant,
                         agency=_agency_for(role, agencies))  # fmt: skip
            credentials.append(Credential(username, passwords[role], role, participant.code))
    for username in SECRETARIAT_USERNAMES:
        _user_create(username=username, password_hash=hashes[Role.SECRETARIAT], role=Role.SECRETARIAT)
        credentials.append(Credential(username, passwords[Role.SECRETARIAT], Role.SECRETARIAT, ""))
    return credentials


def _user_create(
    *, username: str, password_hash: str, role: str, participant: Participant | None = None, agency=None
) -> User:
    """accounts.services.user_create, with a precomputed hash (see the module docstring)."""
    user = User(username=username, password=password_hash, email=f"{username}@demo.invalid")
    user.is_staff = role == Role.SECRETARIAT  # as user_create: the secretariat uses the admin
    user.full_clean()
    user.save()
    membership = Membership(user=user, participant=participant, agency=agency, role=role)
    membership.full_clean()
    membership.save()
    return user


def credentials_table(credentials: list[Credential]) -> str:
    """A fixed-width table for the terminal."""
    header = Credential("username", "password", "role", "participant")
    rows = [header, *credentials]
    widths = [max(len(getattr(row, name)) for row in rows) for name in ("username", "password", "role")]
    lines = []
    for i, row in enumerate(rows):
        cells = (row.username.ljust(widths[0]), row.password.ljust(widths[1]), row.role.ljust(widths[2]))
        lines.append("  ".join((*cells, row.participant or "—")).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in (*widths, len("participant"))))
    return "\n".join(lines)


def credentials_write(*, credentials: list[Credential], path: Path) -> None:
    """The credentials as JSON, readable by the owner only: they are live passwords."""
    path.write_text(json.dumps([asdict(c) for c in credentials], indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
