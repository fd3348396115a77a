"""Reads of linked incidents, through the reciprocity rule: a link whose two records the reader
cannot both read is, for that reader, a link that does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from reporting import reciprocity
from reporting.linking.models import IncidentLink
from reporting.models import Incident


def _readable_links(user: User) -> QuerySet[IncidentLink]:
    """Links with both records in the user's read path (`reciprocity.visible_incidents`)."""
    visible = reciprocity.visible_incidents(user).values("pk")
    return IncidentLink.objects.filter(first_id__in=visible).filter(second_id__in=visible)


def link_list(*, user: User, status: str | None = None) -> QuerySet[IncidentLink]:
    """The links of the user's participant (one side is its record), newest first."""
    participant_id = user.participant_id
    if participant_id is None:
        return IncidentLink.objects.none()
    links = _readable_links(user).filter(
        Q(first_participant_id=participant_id) | Q(second_participant_id=participant_id)
    )
    if status:
        links = links.filter(status=status)
    return links.select_related("first", "second", "first_participant", "second_participant").order_by(
        "-proposed_at", "-pk"
    )


def link_get_for(*, user: User, pk: int) -> IncidentLink:
    """One link of the user's participant, or 404 (also when one record lies outside the rule)."""
    return get_object_or_404(link_list(user=user), pk=pk)


@dataclass(frozen=True)
class OtherRecord:
    """The other side of a confirmed link, as the reader of one record sees it."""

    link_id: int
    incident_id: int
    participant_id: int
    participant_name: str
    national_reference: str
    detection_date: object


def incident_links(*, user: User, incident: Incident) -> list[OtherRecord]:
    """The confirmed links of a record the user reads, to records the user reads too ("also
    reported by …"). A linked record outside the rule is not mentioned at all. Callers log the
    read of others' records (`access_rows`)."""
    confirmed = IncidentLink.objects.filter(
        Q(first_id=incident.pk) | Q(second_id=incident.pk), status=IncidentLink.Status.CONFIRMED
    )
    # Most records have no link: one probe of the link table's indexes answers them, without
    # building the rule's query twice over (a few ms of Python on every record page).
    if not confirmed.exists():
        return []
    links = (
        _readable_links(user)
        .filter(pk__in=confirmed.values("pk"))
        .select_related("first__participant", "second__participant")
        .order_by("pk")
    )
    out = []
    for link in links:
        other = link.second if link.first_id == incident.pk else link.first
        out.append(
            OtherRecord(
                link.pk,
                other.pk,
                other.participant_id,
                other.participant.name,
                other.national_reference,
                other.detection_date,
            )
        )
    return out


def access_rows(others: list[OtherRecord]) -> list[dict]:
    """The linked records shown, as `reciprocity.record_access` takes them."""
    return [{"id": o.incident_id, "participant_id": o.participant_id} for o in others]
