"""Writes about participants, agencies and users."""

import datetime as dt
import hashlib
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import (
    Agency,
    AuditEntry,
    Invitation,
    Membership,
    NotificationPreference,
    Participant,
    ParticipantStatusChange,
    ReminderKind,
    Role,
    TermsAcceptance,
    TermsVersion,
    User,
    UserSession,
)
from accounts.roles import assignable_roles
from accounts.signals import participant_status_changed


@transaction.atomic
def participant_create(
    *,
    code: str,
    name: str,
    kind: str,
    region: str,
    country: str = "",
    created_by: User | None = None,
    status: str = Participant.Status.INVITED,
    joined_on: dt.date | None = None,
    name_fr: str = "",
    name_ar: str = "",
) -> Participant:
    """A new participant with its own permission group, and the first entry of its history."""
    group = Group.objects.create(name=f"participant:{code}")
    if status != Participant.Status.INVITED and joined_on is None:
        joined_on = timezone.localdate()
    participant = Participant(
        code=code,
        name=name,
        name_fr=name_fr,
        name_ar=name_ar,
        kind=kind,
        region=region,
        country=country,
        group=group,
        status=status,
        joined_on=joined_on,
    )
    participant.full_clean()
    participant.save()
    ParticipantStatusChange.objects.create(
        participant=participant,
        from_status="",
        to_status=status,
        effective_on=joined_on or timezone.localdate(),
        changed_by=created_by,
    )
    transaction.on_commit(lambda: participant_status_changed.send(sender=Participant, participant_id=participant.pk))
    return participant


@transaction.atomic
def participant_status_change(
    *,
    participant: Participant,
    to_status: str,
    changed_by: User | None,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> Participant:
    """Move a participant to a new status, dated and attributed; the rule is re-synced on commit."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.status == to_status:
        return participant
    effective_on = effective_on or timezone.localdate()
    from_status = participant.status
    participant.status = to_status
    if to_status == Participant.Status.ACTIVE and participant.joined_on is None:
        participant.joined_on = effective_on
    participant.full_clean()
    participant.save(update_fields=["status", "joined_on"])
    ParticipantStatusChange.objects.create(
        participant=participant,
        from_status=from_status,
        to_status=to_status,
        effective_on=effective_on,
        changed_by=changed_by,
        reason=reason,
    )
    transaction.on_commit(lambda: participant_status_changed.send(sender=Participant, participant_id=participant.pk))
    return participant


def agency_create(*, participant: Participant, name: str, kind: str) -> Agency:
    agency = Agency(participant=participant, name=name, kind=kind)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    participant: Participant | None = None,
    agency: Agency | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """A user with their membership. Secretariat users are staff so they can use the admin."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.SECRETARIAT,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    membership = Membership(user=user, participant=participant, agency=agency, role=role)
    membership.full_clean()
    membership.save()
    return user


# The secretariat's console (issue #8) ------------------------------------------------------------
# Every act below is dated, attributed and written to AuditEntry in the same transaction. Status
# changes go through participant_status_change, which re-runs the reciprocity sync on commit.


def audit_record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    participant: Participant | None = None,
    subject_user: User | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Write one audit entry. Call inside the transaction of the act it records."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        summary=summary[:300],
        participant=participant,
        subject_user=subject_user,
        details=details or {},
    )


def export_audit(*, user: User, subject: str, fmt: str, rows: int, filters: dict | None = None) -> AuditEntry:
    """Record that `user` took a table out of the site (a dashboard chart, the coverage grid, the audit
    trail): what, in which format, how many rows and with which filters."""
    return audit_record(
        actor=user,
        action=AuditEntry.Action.EXPORTED,
        summary=f"{subject} exported as {fmt.upper()} ({rows} rows)",
        participant=user.participant,
        details={"subject": subject, "format": fmt, "rows": rows, "filters": filters or {}},
    )


def _raise_if(errors: dict[str, list[str]]) -> None:
    if any(errors.values()):
        raise ValidationError({field: messages for field, messages in errors.items() if messages})


def terms_current() -> TermsVersion | None:
    return TermsVersion.objects.order_by("-version").first()


@transaction.atomic
def terms_publish(*, title: str, text: str, published_on: dt.date, created_by: User | None) -> TermsVersion:
    """A new version of the terms of participation (older versions are kept, never edited)."""
    current = TermsVersion.objects.select_for_update().order_by("-version").first()
    terms = TermsVersion(
        version=(current.version + 1) if current else 1,
        title=title,
        text=text,
        published_on=published_on,
        created_by=created_by,
    )
    terms.full_clean()
    terms.save()
    audit_record(
        actor=created_by,
        action=AuditEntry.Action.TERMS_PUBLISHED,
        summary=f"Terms v{terms.version} published: {title}",
        details={"version": terms.version},
    )
    return terms


@transaction.atomic
def terms_accept(
    *, participant: Participant, terms: TermsVersion, accepted_on: dt.date, signed_by: str, recorded_by: User | None
) -> TermsAcceptance:
    """Record that a participant agreed to a version of the terms, on a day, signed by an official."""
    errors: dict[str, list[str]] = {"accepted_on": [], "signed_by": []}
    if accepted_on > timezone.localdate():
        errors["accepted_on"].append(_("The date of acceptance cannot be in the future."))
    if accepted_on < terms.published_on:
        errors["accepted_on"].append(
            _("These terms were published on %(date)s; they cannot have been accepted before.")
            % {"date": terms.published_on.isoformat()}
        )
    if not signed_by.strip():
        errors["signed_by"].append(_("Say who agreed to the terms for the participant."))
    if TermsAcceptance.objects.filter(participant=participant, terms=terms).exists():
        errors.setdefault("terms", []).append(
            _("%(name)s has already accepted version %(version)d of the terms.")
            % {"name": participant.local_name, "version": terms.version}
        )
    _raise_if(errors)
    acceptance = TermsAcceptance.objects.create(
        participant=participant,
        terms=terms,
        accepted_on=accepted_on,
        signed_by=signed_by.strip(),
        recorded_by=recorded_by,
    )
    audit_record(
        actor=recorded_by,
        action=AuditEntry.Action.TERMS_ACCEPTED,
        summary=f"{participant.code} accepted terms v{terms.version} on {accepted_on} (signed by {signed_by})",
        participant=participant,
        details={"terms_version": terms.version, "accepted_on": accepted_on.isoformat()},
    )
    return acceptance


def participant_has_accepted_current_terms(*, participant: Participant) -> bool:
    current = terms_current()
    return current is not None and TermsAcceptance.objects.filter(participant=participant, terms=current).exists()


@transaction.atomic
def participant_invite(
    *, code: str, name: str, kind: str, region: str, country: str = "", invited_by: User
) -> Participant:
    """A state, territory or organisation is invited: it exists, with status `invited`, and reads nothing."""
    participant = participant_create(
        code=code.strip().upper(), name=name.strip(), kind=kind, region=region, country=country, created_by=invited_by
    )
    audit_record(
        actor=invited_by,
        action=AuditEntry.Action.PARTICIPANT_INVITED,
        summary=f"{participant.name} ({participant.code}) invited",
        participant=participant,
    )
    return participant


# Which lifecycle step is allowed from which status. Withdrawal is final: re-admission is a new
# invitation, so a withdrawn participant's data stays marked as it was.
LIFECYCLE: dict[str, tuple[tuple[str, ...], str]] = {
    "activate": ((Participant.Status.INVITED,), Participant.Status.ACTIVE),
    "suspend": ((Participant.Status.ACTIVE,), Participant.Status.SUSPENDED),
    "reinstate": ((Participant.Status.SUSPENDED,), Participant.Status.ACTIVE),
    "withdraw": (
        (Participant.Status.INVITED, Participant.Status.ACTIVE, Participant.Status.SUSPENDED),
        Participant.Status.WITHDRAWN,
    ),
}
REASON_REQUIRED = {"suspend", "withdraw"}


@transaction.atomic
def participation_step(
    *, participant: Participant, step: str, changed_by: User, reason: str = "", effective_on: dt.date | None = None
) -> Participant:
    """Activate, suspend, reinstate or withdraw a participant, dated and attributed.

    Activation and reinstatement need the current terms of participation accepted; suspension and
    withdrawal need a reason. Every problem is reported at once, and nothing changes when there is one.
    """
    if step not in LIFECYCLE:
        raise ValueError(f"unknown lifecycle step {step!r}")
    allowed_from, to_status = LIFECYCLE[step]
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    errors: dict[str, list[str]] = {"__all__": [], "reason": [], "effective_on": []}
    if participant.status not in allowed_from:
        errors["__all__"].append(
            _("%(name)s is %(status)s: this step is not possible from that status.")
            % {"name": participant.local_name, "status": participant.get_status_display().lower()}
        )
    if step in {"activate", "reinstate"} and not participant_has_accepted_current_terms(participant=participant):
        current = terms_current()
        errors["__all__"].append(
            _("Record %(name)s's acceptance of the current terms of participation (version %(version)s) first.")
            % {"name": participant.local_name, "version": current.version if current else "—"}
            if current
            else _("No terms of participation have been published yet: publish them first.")
        )
    if step in REASON_REQUIRED and not reason.strip():
        errors["reason"].append(_("Give the reason: it is kept in the participant's history."))
    if effective_on and effective_on > timezone.localdate():
        errors["effective_on"].append(_("A change cannot take effect in the future; record it on the day."))
    _raise_if(errors)
    return participant_status_change(
        participant=participant,
        to_status=to_status,
        changed_by=changed_by,
        reason=reason.strip(),
        effective_on=effective_on,
    )


# Users, roles and invitations -------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_may_assign(*, actor: User, role: str, participant: Participant | None, errors: dict) -> None:
    if role not in assignable_roles(actor.role):
        errors.setdefault("role", []).append(
            _("You cannot give the role “%(role)s”: nobody gives a role above their own.")
            % {"role": Role(role).label if role in Role.values else role}
        )
    if actor.role != Role.SECRETARIAT and (participant is None or participant.pk != actor.participant_id):
        errors.setdefault("participant", []).append(_("You manage the users of your own participant only."))
    if role == Role.SECRETARIAT and participant is not None:
        errors.setdefault("participant", []).append(_("Secretariat users belong to no participant."))
    if role != Role.SECRETARIAT and participant is None:
        errors.setdefault("participant", []).append(_("Choose the participant the user belongs to."))


@transaction.atomic
def invitation_create(
    *, invited_by: User, email: str, role: str, participant: Participant | None = None, agency: Agency | None = None
) -> tuple[Invitation, str]:
    """Invite a person by e-mail: returns the invitation and the secret link token (kept only hashed).

    The e-mail goes out after commit."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    _check_may_assign(actor=invited_by, role=role, participant=participant, errors=errors)
    if agency is not None and (participant is None or agency.participant_id != participant.pk):
        errors.setdefault("agency", []).append(_("Choose an agency of the same participant."))
    if User.objects.filter(email__iexact=email, is_active=True).exists():
        errors.setdefault("email", []).append(_("Someone already has an account with this e-mail address."))
    if participant is not None and participant.status == Participant.Status.WITHDRAWN:
        errors.setdefault("participant", []).append(_("This participant has withdrawn: it gets no new users."))
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if pending.exists():
        errors.setdefault("email", []).append(
            _("An invitation to this address is still open; withdraw it before sending another.")
        )
    _raise_if(errors)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        participant=participant,
        agency=agency,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        actor=invited_by,
        action=AuditEntry.Action.USER_INVITED,
        summary=f"{email} invited as {Role(role).label}" + (f" of {participant.code}" if participant else ""),
        participant=participant,
        details={"email": email, "role": role, "invitation": invitation.pk},
    )
    link = settings.SITE_URL.rstrip("/") + reverse("accounts:invitation-accept", kwargs={"token": token})
    context = {"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation, token


def invitation_for_token(*, token: str) -> Invitation | None:
    """The open invitation behind a link, or None when the link is unknown, used, withdrawn or expired."""
    return (
        Invitation.objects.select_related("participant", "agency")
        .filter(
            token_hash=_token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """The invited person creates their account; the link then stops working."""
    invitation = invitation_for_token(token=token)
    if invitation is None:
        raise ValidationError(
            _("This invitation link has expired, was withdrawn or was already used. Ask for a new one.")
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This user name is taken; choose another."))
    try:
        validate_password(password, User(username=username, email=invitation.email, first_name=first_name))
    except ValidationError as error:
        errors.setdefault("password", []).extend(error.messages)
    _raise_if(errors)
    user = user_create(
        username=username,
        password=password,
        role=invitation.role,
        participant=invitation.participant,
        agency=invitation.agency,
        first_name=first_name,
        last_name=last_name,
        email=invitation.email,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.INVITATION_ACCEPTED,
        summary=f"{invitation.email} accepted the invitation as {username}",
        participant=invitation.participant,
        subject_user=user,
        details={"invitation": invitation.pk, "role": invitation.role},
    )
    return user


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, withdrawn_by: User) -> Invitation:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=withdrawn_by,
            action=AuditEntry.Action.INVITATION_WITHDRAWN,
            summary=f"Invitation of {invitation.email} withdrawn",
            participant=invitation.participant,
            details={"invitation": invitation.pk},
        )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, resent_by: User) -> tuple[Invitation, str]:
    """A fresh link for an invitation not yet accepted (lost, expired or withdrawn): the old link stops
    working, a new invitation with the same address, role, participant and agency goes out."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was accepted: the person already has an account."))
    invitation_withdraw(invitation=invitation, withdrawn_by=resent_by)
    return invitation_create(
        invited_by=resent_by,
        email=invitation.email,
        role=invitation.role,
        participant=invitation.participant,
        agency=invitation.agency,
    )


def password_reset_send(*, user: User, sent_by: User | None = None) -> bool:
    """E-mail `user` a link to choose a new password (Django's reset tokens: one use, they expire after
    settings.PASSWORD_RESET_TIMEOUT and once the password changes). `sent_by` is the manager who asked
    for it, None when the user asked on the sign-in page. False when the user has no address."""
    if sent_by is not None and not may_manage(actor=sent_by, target=user):
        raise ValidationError(_("You cannot change this user."))
    if not user.email or not user.is_active:
        if sent_by is not None:
            raise ValidationError(_("This user has no e-mail address: a reset link cannot reach them."))
        return False
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "link": settings.SITE_URL.rstrip("/") + path,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "sent_by": sent_by,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):  # the reader's language
        subject = render_to_string("emails/password_reset_subject.txt", context).strip()
        body = render_to_string("emails/password_reset.txt", context)
    with transaction.atomic():
        audit_record(
            actor=sent_by or user,
            action=AuditEntry.Action.PASSWORD_RESET_SENT,
            summary=f"Password reset link sent to {user.username}"
            + (f" at {sent_by.username}'s request" if sent_by else ""),
            participant=user.participant,
            subject_user=user,
        )
        transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))
    return True


@transaction.atomic
def password_set(*, user: User, password: str, how: str) -> User:
    """A new password chosen by its user (`how`: "changed" when signed in, "reset" from a link)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.PASSWORD_CHANGED,
        summary=f"{user.username} {'reset' if how == 'reset' else 'changed'} their password",
        participant=user.participant,
        subject_user=user,
        details={"how": how},
    )
    return user


def _check_may_manage(*, actor: User, target: User, errors: dict) -> None:
    if not may_manage(actor=actor, target=target):
        errors.setdefault("__all__", []).append(
            _("You cannot change this user: their role is not one you may give.")
            if actor.role == Role.FOCAL_POINT
            else _("You cannot change this user.")
        )


def may_manage(*, actor: User, target: User) -> bool:
    """The secretariat manages everyone but itself; a focal point manages its own participant's
    users whose role it may give (so not other focal points); nobody manages their own account here."""
    if actor.pk == target.pk or not actor.is_active:
        return False
    if actor.role == Role.SECRETARIAT:
        return True
    return (
        actor.role == Role.FOCAL_POINT
        and target.participant_id == actor.participant_id
        and target.role in assignable_roles(actor.role)
    )


@transaction.atomic
def user_role_change(*, user: User, role: str, changed_by: User, agency: Agency | None = None) -> User:
    """Give a user another role (and agency) within their participant, never one above the changer's."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("participant").get(user=user)
    errors: dict[str, list[str]] = {}
    _check_may_manage(actor=changed_by, target=user, errors=errors)
    _check_may_assign(actor=changed_by, role=role, participant=membership.participant, errors=errors)
    if agency is not None and agency.participant_id != membership.participant_id:
        errors.setdefault("agency", []).append(_("Choose an agency of the user's own participant."))
    _raise_if(errors)
    before = membership.role
    membership.role = role
    membership.agency = agency
    membership.full_clean()
    membership.save(update_fields=["role", "agency"])
    User.objects.filter(pk=user.pk).update(is_staff=role == Role.SECRETARIAT)
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.ROLE_CHANGED,
        summary=f"{user.username}: {Role(before).label} → {Role(role).label}",
        participant=membership.participant,
        subject_user=user,
        details={"from": before, "to": role, "agency": agency.pk if agency else None},
    )
    return user


def _sessions_end(*, user: User) -> int:
    """End every tracked session of the user (the session store rows and the tracking rows)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = list(UserSession.objects.filter(user=user))
    for tracked in sessions:
        store(session_key=tracked.session_key).delete()
    UserSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    return len(sessions)


@transaction.atomic
def user_active_set(*, user: User, active: bool, changed_by: User, reason: str = "") -> User:
    """Deactivate (sign out everywhere, keep every record they made) or reactivate a user."""
    errors: dict[str, list[str]] = {}
    _check_may_manage(actor=changed_by, target=user, errors=errors)
    if not active and not reason.strip():
        errors.setdefault("reason", []).append(_("Give the reason for deactivating this user."))
    _raise_if(errors)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _sessions_end(user=user)
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.USER_REACTIVATED if active else AuditEntry.Action.USER_DEACTIVATED,
        summary=f"{user.username} {'reactivated' if active else 'deactivated'}" + (f": {reason}" if reason else ""),
        participant=user.participant,
        subject_user=user,
        details={"reason": reason},
    )
    return user


def session_track(*, user: User, session_key: str, ip_address: str | None, user_agent: str) -> UserSession:
    """Remember a new signed-in session so its user can see and end it."""
    tracked, _created = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "ip_address": ip_address or None, "user_agent": (user_agent or "")[:300]},
    )
    return tracked


@transaction.atomic
def session_end(*, user: User, session_id: int) -> None:
    """End one of the user's own sessions (signs that browser out). Another user's session is not found."""
    tracked = UserSession.objects.get(pk=session_id, user=user)
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=tracked.session_key).delete()
    tracked.delete()
    audit_record(
        actor=user,
        action=AuditEntry.Action.SESSION_ENDED,
        summary=f"{user.username} ended a session started {tracked.created_at:%Y-%m-%d %H:%M}",
        participant=user.participant,
        subject_user=user,
    )


def notification_preferences_set(*, user: User, **wanted: bool) -> NotificationPreference:
    unknown = set(wanted) - set(ReminderKind.values)
    if unknown:
        raise TypeError(f"unknown reminder kinds: {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.update_or_create(user=user, defaults=wanted)
    return preference
