"""Reads about participants, users, invitations and sessions (no incident data here)."""

from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, NotificationPreference, Participant, Role, User, UserSession


def user_list_for(*, actor: User, participant_id: int | None = None, role: str = "") -> QuerySet[User]:
    """The users `actor` may see in the console: all for the secretariat, its own participant's for a
    focal point, none for anyone else; optionally only one participant's, or one role's."""
    users = User.objects.select_related("membership__participant", "membership__agency").order_by(
        "-is_active", "username"
    )
    if participant_id:
        users = users.filter(membership__participant_id=participant_id)
    if role:
        users = users.filter(membership__role=role)
    if actor.role == Role.SECRETARIAT:
        return users
    if actor.role == Role.FOCAL_POINT and actor.participant_id:
        return users.filter(membership__participant_id=actor.participant_id)
    return users.none()


def user_get_for(*, actor: User, pk: int) -> User:
    """A user `actor` may see, or 404: another participant's user looks missing, never forbidden."""
    return get_object_or_404(user_list_for(actor=actor), pk=pk)


def invitation_list_for(*, actor: User) -> QuerySet[Invitation]:
    invitations = Invitation.objects.select_related("participant", "invited_by", "accepted_user")
    if actor.role == Role.SECRETARIAT:
        return invitations
    if actor.role == Role.FOCAL_POINT and actor.participant_id:
        return invitations.filter(participant_id=actor.participant_id)
    return invitations.none()


def invitation_get_for(*, actor: User, pk: int) -> Invitation:
    return get_object_or_404(invitation_list_for(actor=actor), pk=pk)


def session_list(*, user: User) -> list[UserSession]:
    """The user's sessions still alive in the session store (signed-out or expired ones are dropped)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    alive, dead = [], []
    for tracked in UserSession.objects.filter(user=user):
        (alive if store().exists(tracked.session_key) else dead).append(tracked)
    if dead:
        UserSession.objects.filter(pk__in=[s.pk for s in dead]).delete()
    return alive


def notification_preferences_get(*, user: User) -> NotificationPreference:
    """The user's choices, or the defaults (everything on) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def participant_list() -> QuerySet[Participant]:
    return Participant.objects.order_by("name")


def focal_points_of(*, participant_id: int) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, membership__participant_id=participant_id, membership__role=Role.FOCAL_POINT
    )


def secretariat_contacts() -> QuerySet[User]:
    """The secretariat's active users: whom a participant writes to about its participation."""
    return User.objects.filter(is_active=True, membership__role=Role.SECRETARIAT).order_by("last_name", "username")
