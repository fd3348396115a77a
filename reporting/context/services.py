"""Writes of the national context: profile versions and notes on periods, each screened for
personal data, kept in history and in the audit trail, in the transaction of the act."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Participant, User
from accounts.roles import Action, role_can
from accounts.services import audit_record
from reporting.context.models import Counted, NationalProfile, PeriodNote
from reporting.screening import describe, screen_fields

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class StaleNote(ValidationError):
    """Someone changed the note since the caller read it (optimistic locking)."""


def _require_writer(user: User, participant: Participant) -> None:
    """Only the participant's own focal point describes its data."""
    if not role_can(user.role, Action.DESCRIBE_DATA) or user.participant_id != participant.pk:
        raise PermissionDenied(_("Only the participant's focal point writes its profile and notes."))


def _text_errors(fields: dict[str, str], errors: dict[str, list[str]]) -> None:
    """Add a message per free-text field that looks like it holds personal data (never the text)."""
    for name, hits in screen_fields(fields).items():
        errors.setdefault(name, []).append(
            _("This looks like personal data: %(found)s. Remove it: context is shared with other participants.")
            % {"found": describe(hits)}
        )


def _language_errors(language: str, errors: dict[str, list[str]]) -> None:
    if language not in LANGUAGE_CODES:
        errors.setdefault("language", []).append(
            _("Choose the language the text is written in: %(codes)s.") % {"codes": ", ".join(LANGUAGE_CODES)}
        )


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _audit(*, user: User, participant: Participant, summary: str, details: dict) -> None:
    audit_record(
        actor=user, action=AuditEntry.Action.CONTEXT_CHANGED, summary=summary, participant=participant, details=details
    )


# Profiles ------------------------------------------------------------------------------------------


@transaction.atomic
def profile_save(
    *,
    participant: Participant,
    by: User,
    valid_from: dt.date,
    agencies: str,
    territory: str,
    irregular_stay: str,
    incident_unit: str,
    definitions: str = "",
    language: str,
) -> NationalProfile:
    """A new version of the participant's profile from `valid_from` (or, where a version already
    starts that day, that version corrected; its history keeps the earlier text). The version in
    force before it ends the day before; it ends the day before the next version, if any."""
    _require_writer(by, participant)
    errors: dict[str, list[str]] = {}
    for name, value in (("agencies", agencies), ("territory", territory), ("incident_unit", incident_unit)):
        if not (value or "").strip():
            errors.setdefault(name, []).append(_("Say what your figures cover here."))
    if irregular_stay not in Counted.values:
        errors.setdefault("irregular_stay", []).append(_("Choose yes, no or not stated."))
    _language_errors(language, errors)
    _text_errors(
        {"agencies": agencies, "territory": territory, "incident_unit": incident_unit, "definitions": definitions},
        errors,
    )
    _raise(errors)
    versions = list(NationalProfile.objects.select_for_update().filter(participant=participant).order_by("valid_from"))
    profile = next((v for v in versions if v.valid_from == valid_from), None)
    created = profile is None
    if created:
        profile = NationalProfile(participant=participant, valid_from=valid_from, created_by=by)
    later = [v for v in versions if v.valid_from > valid_from]
    profile.valid_to = later[0].valid_from - dt.timedelta(days=1) if later else None
    profile.agencies, profile.territory, profile.irregular_stay = agencies.strip(), territory.strip(), irregular_stay
    profile.incident_unit, profile.definitions, profile.language = incident_unit.strip(), definitions.strip(), language
    profile._change_reason = "created" if created else "corrected"
    profile.full_clean()
    profile.save()
    earlier = [v for v in versions if v.valid_from < valid_from]
    if earlier:
        before = earlier[-1]
        before.valid_to = valid_from - dt.timedelta(days=1)
        before._change_reason = "closed by a later version"
        before.save(update_fields=["valid_to"])
    _audit(
        user=by,
        participant=participant,
        summary=f"National profile from {valid_from:%Y-%m-%d} {'written' if created else 'corrected'}",
        details={"profile": profile.pk, "valid_from": valid_from.isoformat()},
    )
    return profile


# Notes on periods ----------------------------------------------------------------------------------


def _note_errors(*, month_from, month_to, text: str, language: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if month_from is None:
        errors.setdefault("month_from", []).append(_("Give the first month the note is about."))
    if month_to is None:
        errors.setdefault("month_to", []).append(_("Give the last month the note is about."))
    if month_from and month_to and month_to < month_from:
        errors.setdefault("month_to", []).append(_("The last month comes on or after the first month."))
    if not (text or "").strip():
        errors.setdefault("text", []).append(_("Write the note."))
    _language_errors(language, errors)
    _text_errors({"text": text}, errors)
    return errors


@transaction.atomic
def note_create(
    *, participant: Participant, by: User, month_from: dt.date, month_to: dt.date, text: str, language: str
) -> PeriodNote:
    _require_writer(by, participant)
    month_from = month_from.replace(day=1) if month_from else None
    month_to = month_to.replace(day=1) if month_to else None
    _raise(_note_errors(month_from=month_from, month_to=month_to, text=text, language=language))
    note = PeriodNote(
        participant=participant,
        month_from=month_from,
        month_to=month_to,
        text=text.strip(),
        language=language,
        created_by=by,
    )
    note._change_reason = "created"
    note.full_clean()
    note.save()
    _audit(
        user=by,
        participant=participant,
        summary=f"Note on {note.period_label} written",
        details={"note": note.pk, "month_from": f"{month_from:%Y-%m}", "month_to": f"{month_to:%Y-%m}"},
    )
    return note


@transaction.atomic
def note_update(
    *,
    note: PeriodNote,
    by: User,
    month_from: dt.date,
    month_to: dt.date,
    text: str,
    language: str,
    version: int | None = None,
) -> PeriodNote:
    """Change an active note; with `version`, refuse when someone changed it since (StaleNote)."""
    _require_writer(by, note.participant)
    note = PeriodNote.objects.select_for_update().get(pk=note.pk)
    if version is not None and version != note.version:
        raise StaleNote(
            _("Someone else changed this note since you read it (your version %(mine)s, now %(now)s): reload it.")
            % {"mine": version, "now": note.version},
            code="stale",
        )
    if note.status != PeriodNote.Status.ACTIVE:
        raise ValidationError(_("A withdrawn note cannot be changed; write a new one."), code="withdrawn")
    month_from = month_from.replace(day=1) if month_from else None
    month_to = month_to.replace(day=1) if month_to else None
    _raise(_note_errors(month_from=month_from, month_to=month_to, text=text, language=language))
    note.month_from, note.month_to, note.text, note.language = month_from, month_to, text.strip(), language
    note.version += 1
    note.updated_at = timezone.now()
    note._change_reason = "changed"
    note.full_clean()
    note.save()
    _audit(
        user=by,
        participant=note.participant,
        summary=f"Note on {note.period_label} changed",
        details={"note": note.pk, "version": note.version},
    )
    return note


@transaction.atomic
def note_withdraw(*, note: PeriodNote, by: User, reason: str) -> PeriodNote:
    """Withdraw a note (kept, with its history; no longer shown)."""
    _require_writer(by, note.participant)
    note = PeriodNote.objects.select_for_update().get(pk=note.pk)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the note is withdrawn.")]
    _text_errors({"reason": reason}, errors)
    _raise(errors)
    if note.status == PeriodNote.Status.WITHDRAWN:
        return note
    note.status = PeriodNote.Status.WITHDRAWN
    note.withdrawn_reason = reason.strip()
    note.version += 1
    note.updated_at = timezone.now()
    note._change_reason = "withdrawn"
    note.save()
    _audit(
        user=by,
        participant=note.participant,
        summary=f"Note on {note.period_label} withdrawn",
        details={"note": note.pk},
    )
    return note
