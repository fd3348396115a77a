"""Demo users: one contributor, focal point and analyst per participant, and two secretariat users.

Passwords are random for each run (never derived from the public default seed, so a demo reachable
from a network does not have guessable logins) and printed once; every account has its own, so one
participant's printed password opens no other participant's account. Django's PBKDF2 is slow on
purpose, and ~65 full hashes would hold up `make run` (docs/architecture.md): the demo's hashes
use DEMO_ITERATIONS instead, which is safe for these passwords only (72 random bits each, not a
person's choice: the iteration count protects guessable passwords), and Django raises each to the
full count at its first sign-in (the hasher's must_update). Hashes still run in parallel threads.
"""

import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password

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


DEMO_ITERATIONS = 20_000


def passwords_draw(names) -> dict[str, str]:
    return {name: f"vrs-{secrets.token_urlsafe(9)}" for name in names}


def _demo_hash(password: str) -> str:
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=DEMO_ITERATIONS)
    return make_password(password)


def passwords_hash(passwords: dict[str, str]) -> dict[str, str]:
    """One hash per password, computed in parallel."""
    with ThreadPoolExecutor(max_workers=max(1, min(len(passwords), os.cpu_count() or 1))) as pool:
        hashes = dict(zip(passwords, pool.map(_demo_hash, passwords.values()), strict=True))
    return hashes


def _agency_for(role: str, agencies: list[Agency]) -> Agency | None:
    # Contributors enter data for an agency; focal points and analysts speak for the participant.
    return agencies[0] if role == Role.CONTRIBUTOR and agencies else None


def demo_users_create(*, participants: list[Participant]) -> list[Credential]:
    """Users with their memberships; returns the credentials to print. No PII: role-named accounts."""
    people = [
        (f"{participant.code.lower()}-{ROLE_SLUGS[role]}", role, participant)
        for participant in participants
        for role in PARTICIPANT_ROLES
    ] + [(username, Role.SECRETARIAT, None) for username in SECRETARIAT_USERNAMES]
    passwords = passwords_draw(username for username, _role, _participant in people)
    hashes = passwords_hash(passwords)
    agencies = {p.pk: list(p.agencies.order_by("id")) for p in participants}
    credentials: list[Credential] = []
    for username, role, participant in people:
        _user_create(username=username, password_hash=hashes[username], role=role, participant=participant,
                     agency=_agency_for(role, agencies[participant.pk]) if participant else None)  # fmt: skip
        credentials.append(Credential(username, passwords[username], role, participant.code if participant else ""))
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
