"""The one role → permissions table (README, "What VRS is, and for whom"), and the order of roles.

Roles rank secretariat > focal point > analyst = contributor. Analysts and contributors are
peers with different work (reading vs entering), so neither may appoint the other. A user may give
only roles listed in `ASSIGNABLE` for their own role: the secretariat any role, a focal point the
roles below its own (never focal point: the secretariat appoints focal points), the others none.
"""

from __future__ import annotations

import enum

from accounts.models import Role


class Action(enum.StrEnum):
    """Things a role may do that are not about reading incident data (the reciprocity rule decides those)."""

    ENTER_RECORDS = "enter_records"
    VALIDATE_RECORDS = "validate_records"
    SUBMIT_RETURNS = "submit_returns"
    MANAGE_OWN_USERS = "manage_own_users"
    READ_DASHBOARDS = "read_dashboards"
    EXPORT = "export"
    SEE_ACCESS_LOG = "see_access_log"
    MANAGE_PARTICIPANTS = "manage_participants"
    APPOINT_FOCAL_POINTS = "appoint_focal_points"
    EDIT_POLICY = "edit_policy"
    EDIT_CODE_LISTS = "edit_code_lists"
    SEE_COMPLIANCE = "see_compliance"
    SEE_AUDIT = "see_audit"
    DESCRIBE_DATA = "describe_data"  # the national profile and notes on periods (issue 22)


RANK: dict[str, int] = {
    Role.CONTRIBUTOR: 1,
    Role.ANALYST: 1,
    Role.FOCAL_POINT: 2,
    Role.SECRETARIAT: 3,
}

PERMISSIONS: dict[str, frozenset[Action]] = {
    Role.CONTRIBUTOR: frozenset({Action.ENTER_RECORDS}),
    Role.ANALYST: frozenset({Action.READ_DASHBOARDS, Action.EXPORT}),
    Role.FOCAL_POINT: frozenset(
        {
            Action.ENTER_RECORDS,
            Action.VALIDATE_RECORDS,
            Action.SUBMIT_RETURNS,
            Action.MANAGE_OWN_USERS,
            Action.READ_DASHBOARDS,
            Action.EXPORT,
            Action.SEE_ACCESS_LOG,
            Action.DESCRIBE_DATA,
        }
    ),
    Role.SECRETARIAT: frozenset(
        {
            Action.MANAGE_PARTICIPANTS,
            Action.APPOINT_FOCAL_POINTS,
            Action.EDIT_POLICY,
            Action.EDIT_CODE_LISTS,
            Action.SEE_COMPLIANCE,
            Action.SEE_AUDIT,
            Action.READ_DASHBOARDS,
            Action.EXPORT,
        }
    ),
}

ASSIGNABLE: dict[str, tuple[str, ...]] = {
    Role.SECRETARIAT: (Role.CONTRIBUTOR, Role.ANALYST, Role.FOCAL_POINT, Role.SECRETARIAT),
    Role.FOCAL_POINT: (Role.CONTRIBUTOR, Role.ANALYST),
    Role.ANALYST: (),
    Role.CONTRIBUTOR: (),
}


def role_can(role: str | None, action: Action) -> bool:
    return role is not None and action in PERMISSIONS.get(role, frozenset())


def assignable_roles(role: str | None) -> tuple[str, ...]:
    """The roles a user with `role` may give (never one above their own)."""
    return ASSIGNABLE.get(role, ()) if role else ()


def role_choices_for(role: str | None) -> list[tuple[str, str]]:
    allowed = assignable_roles(role)
    return [(value, label) for value, label in Role.choices if value in allowed]
