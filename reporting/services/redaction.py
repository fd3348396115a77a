"""Redaction: personal data taken out of a record, every version of its history and its comments.

The screening refuses personal data on every save (reporting/services/incidents.py); what got in
before (a text saved before every save was screened, an override later judged wrong, a pattern
added later) is taken out here, in two ways:

- `incident_redact`: the owner's focal point names a text; every occurrence of it in the record,
  its versions (django-simple-history) and its comments becomes the marker `REDACTED`.
- `leaks_find` / `leaks_redact`: the rescan of every record, version and comment with the current
  screening (`manage.py rescan_personal_data`), reporting the hits and, confirmed, redacting them.

Versions keep that a change happened, who made it and when: only the text changes. A redaction of
the live record is itself a new version ("Personal data redacted", by whom). Each redaction is
audited (accounts.AuditEntry, action RECORD_REDACTED) with counts, fields and kinds, never the text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from reporting.models import Incident, IncidentComment
from reporting.screening import REDACTED, Hit, describe, screen_text
from reporting.services import incidents as records

# The free text a record, a version and a comment keep.
RECORD_TEXT = ("narrative", "detection_place", "screening_override_reason", "review_comment")
VERSION_TEXT = (*RECORD_TEXT, "history_change_reason")
SCREENED = set(records.SCREENED_FIELDS)
MIN_LENGTH = 3


@dataclass(frozen=True)
class Leak:
    """Screening hits in one stored text: the live record, one version, or one comment."""

    incident_id: int
    where: str  # "record", "version" or "comment"
    row_id: int  # the record's, the version's (history_id) or the comment's id
    field: str
    hits: tuple[Hit, ...]
    overridden: bool  # a focal point's override covered this text when it was saved

    def __str__(self) -> str:
        return f"record {self.incident_id}, {self.where} {self.row_id}, {self.field}: {describe(list(self.hits))}"


@dataclass(frozen=True)
class Redaction:
    incident_id: int
    record: bool  # the live record's text changed (a new version was written)
    versions: int
    comments: int
    fields: tuple[str, ...]


def _without(text: str, needles: list[str]) -> str:
    for needle in needles:
        text = text.replace(needle, REDACTED)
    return text


@transaction.atomic
def _redact(
    *, incident_id: int, needles: Iterable[str], by: User | None, how: str, kinds: list[str]
) -> Redaction | None:
    """Replace every occurrence of `needles` in the record, its versions and comments; audit it.
    None when the text appears nowhere."""
    needles = sorted({n for n in needles if n and n != REDACTED}, key=len, reverse=True)  # longest first
    incident = Incident.objects.select_for_update(of=("self",)).select_related("participant").get(pk=incident_id)
    fields: set[str] = set()

    versions = []
    for version in Incident.history.filter(id=incident_id).only("history_id", *VERSION_TEXT):
        changed = False
        for name in VERSION_TEXT:
            value = getattr(version, name) or ""
            cleaned = _without(value, needles)
            if cleaned != value:
                setattr(version, name, cleaned)
                fields.add(name)
                changed = True
        if changed:
            versions.append(version)
    if versions:
        Incident.history.model.objects.bulk_update(versions, VERSION_TEXT, batch_size=500)

    comments = []
    for comment in IncidentComment.objects.filter(incident_id=incident_id).only("id", "text"):
        cleaned = _without(comment.text, needles)
        if cleaned != comment.text:
            comment.text = cleaned
            comments.append(comment)
    if comments:
        IncidentComment.objects.bulk_update(comments, ["text"])
        fields.add("comments")

    live = {name: _without(getattr(incident, name) or "", needles) for name in RECORD_TEXT}
    record_changed = any(live[name] != (getattr(incident, name) or "") for name in RECORD_TEXT)
    if record_changed:
        for name, value in live.items():
            if value != (getattr(incident, name) or ""):
                setattr(incident, name, value)
                fields.add(name)
        incident.version += 1
        # A new version says that a redaction happened, by whom and when; its text is clean already.
        records._save(incident, by=by, reason=_("Personal data redacted"))
    if not (versions or comments or record_changed):
        return None
    result = Redaction(
        incident_id=incident_id,
        record=record_changed,
        versions=len(versions),
        comments=len(comments),
        fields=tuple(sorted(fields)),
    )
    audit_record(
        actor=by,
        action=AuditEntry.Action.RECORD_REDACTED,
        participant=incident.participant,
        summary=(
            f"Record {incident.national_reference}: personal data redacted from {result.versions} version(s), "
            f"{result.comments} comment(s){' and the record' if record_changed else ''} ({how})"
        ),
        details={
            "incident_id": incident_id,
            "national_reference": incident.national_reference,
            "how": how,
            "record": record_changed,
            "versions": result.versions,
            "comments": result.comments,
            "fields": list(result.fields),
            "kinds": sorted(set(kinds)),
            "texts": len(needles),  # how many distinct texts, never the texts
        },
    )
    return result


def incident_redact(*, incident: Incident, redacted_by: User, text: str) -> Redaction:
    """The owner's focal point redacts `text` (exactly as written) from the record, every version
    of its history and its comments."""
    records._require(redacted_by, incident.participant_id, records.FOCAL, _("redact personal data"))
    text = (text or "").strip()
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            {"text": [_("Give the exact text to redact, at least %(n)s characters.") % {"n": MIN_LENGTH}]}
        )
    kinds = sorted({h.kind for h in screen_text(text)}) or ["named by the focal point"]
    done = _redact(incident_id=incident.pk, needles=[text], by=redacted_by, how="focal point", kinds=kinds)
    if done is None:
        raise ValidationError(
            {"text": [_("This text appears nowhere in the record, its history or its comments: nothing was changed.")]}
        )
    return done


# The rescan ------------------------------------------------------------------------------------


def _leak(incident_id, where, row_id, field, text, overridden) -> Leak | None:
    hits = screen_text(text or "")
    if not hits:
        return None
    return Leak(incident_id, where, row_id, field, tuple(hits), overridden)


def _covered(row: dict, name: str) -> bool:
    """Was this text of a record or version saved under an override (its screened fields and the
    override's own reason)?"""
    return bool(row["screening_override_reason"]) and (name in SCREENED or name == "screening_override_reason")


def leaks_find(*, incident_ids: Iterable[int] | None = None) -> Iterator[Leak]:
    """Every stored text the current screening flags: records, versions, comments. Text saved
    under a focal point's override (the record's screened fields while an override was recorded,
    and the override's own reason) is marked `overridden`."""
    ids = None if incident_ids is None else list(incident_ids)
    scope = {} if ids is None else {"pk__in": ids}
    for row in Incident.objects.filter(**scope).values("pk", *RECORD_TEXT).order_by("pk").iterator(chunk_size=2000):
        for name in RECORD_TEXT:
            if leak := _leak(row["pk"], "record", row["pk"], name, row[name], _covered(row, name)):
                yield leak
    versions = Incident.history.filter(**({} if ids is None else {"id__in": ids}))
    for row in versions.values("id", "history_id", *VERSION_TEXT).order_by("history_id").iterator(chunk_size=2000):
        for name in VERSION_TEXT:
            if leak := _leak(row["id"], "version", row["history_id"], name, row[name], _covered(row, name)):
                yield leak
    comments = IncidentComment.objects.filter(**({} if ids is None else {"incident_id__in": ids}))
    for row in comments.values("incident_id", "id", "kind", "text").order_by("id").iterator(chunk_size=2000):
        covered = row["kind"] == IncidentComment.Kind.SCREENING_OVERRIDE
        if leak := _leak(row["incident_id"], "comment", row["id"], "text", row["text"], covered):
            yield leak


def leaks_redact(*, leaks: Iterable[Leak], include_overridden: bool = False, by: User | None = None) -> list[Redaction]:
    """Redact the hits of `leaks`, one record at a time (each in its own transaction, audited)."""
    needles: dict[int, set[str]] = defaultdict(set)
    kinds: dict[int, set[str]] = defaultdict(set)
    for leak in leaks:
        if leak.overridden and not include_overridden:
            continue
        needles[leak.incident_id].update(h.text for h in leak.hits)
        kinds[leak.incident_id].update(h.kind for h in leak.hits)
    done = []
    for incident_id in sorted(needles):
        result = _redact(
            incident_id=incident_id, needles=needles[incident_id], by=by, how="rescan", kinds=sorted(kinds[incident_id])
        )
        if result is not None:
            done.append(result)
    return done
