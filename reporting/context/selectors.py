"""Reads of the national context, within the reciprocity rule.

A participant's profile and notes are about its data, so they go where its data go:
- `context_owner_ids`: whose context a user may read in the context pages and the API: its own
  participant's, and the participants whose data its figures sum under the rule
  (`reciprocity.aggregate_scope`); the secretariat reads every participant's;
- `footnotes_for`: the notes and profiles that belong beside a set of figures, given the
  (participant, month) pairs whose data those figures hold. The caller passes only pairs computed
  under the rule (a chart's cells, a list of readable records), so a footnote never names a
  participant whose data are not in what the viewer is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Participant, Role, User
from reporting.context.models import NationalProfile, PeriodNote
from reporting.reciprocity import aggregate_scope, month_end

ALL = None  # context_owner_ids' answer for the secretariat: every participant


def context_owner_ids(*, user: User, on: dt.date | None = None) -> frozenset[int] | None:
    """Participants whose profile and notes the user may read (None: every one, the secretariat)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.role == Role.SECRETARIAT:
        return ALL
    if user.participant_id is None:
        return frozenset()
    scope = aggregate_scope(user, on=on)
    return frozenset({user.participant_id}) | scope.aggregate_owner_ids


def _scoped(qs: QuerySet, owners: frozenset[int] | None) -> QuerySet:
    return qs if owners is ALL else qs.filter(participant_id__in=owners)


def note_list(
    *,
    user: User,
    participant_id: int | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    include_withdrawn: bool = False,
) -> QuerySet[PeriodNote]:
    """The notes the user may read, newest period first; withdrawn ones only of its own participant
    (or for the secretariat) and only when asked."""
    notes = _scoped(PeriodNote.objects.select_related("participant"), context_owner_ids(user=user))
    if participant_id:
        notes = notes.filter(participant_id=participant_id)
    if month_from:
        notes = notes.filter(month_to__gte=month_from)
    if month_to:
        notes = notes.filter(month_from__lte=month_to)
    active = Q(status=PeriodNote.Status.ACTIVE)
    if include_withdrawn and user.role == Role.SECRETARIAT:
        pass
    elif include_withdrawn:
        notes = notes.filter(active | Q(participant_id=user.participant_id))
    else:
        notes = notes.filter(active)
    return notes.order_by("participant__code", "-month_from", "-id")


def note_get_for(*, user: User, pk: int) -> PeriodNote:
    """The note, or 404 when it does not exist or its participant's data are not the user's to read."""
    note = note_list(user=user, include_withdrawn=True).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note


def profile_list(*, user: User, participant_id: int | None = None) -> QuerySet[NationalProfile]:
    """Every profile version the user may read, per participant newest first."""
    profiles = _scoped(NationalProfile.objects.select_related("participant"), context_owner_ids(user=user))
    if participant_id:
        profiles = profiles.filter(participant_id=participant_id)
    return profiles.order_by("participant__code", "-valid_from")


def profile_get_for(*, user: User, pk: int) -> NationalProfile:
    profile = profile_list(user=user).filter(pk=pk).first()
    if profile is None:
        raise Http404
    return profile


def context_participants(*, user: User) -> QuerySet[Participant]:
    """The participants whose context the user may read (the pages' participant filter)."""
    owners = context_owner_ids(user=user)
    participants = Participant.objects.all() if owners is ALL else Participant.objects.filter(pk__in=owners)
    return participants.order_by("code")


# Footnotes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footnote:
    """A note or a profile shown beside figures that hold its participant's data in its period."""

    participant_id: int
    participant: str  # the participant's name
    code: str
    kind: str  # "note" or "profile"
    period: str
    text: str
    language: str
    parts: tuple = ()  # a profile's (label in the reader's language, value as written) pairs

    def as_row(self) -> list[str]:
        """The footnote as a spreadsheet row."""
        return [f"{self.code}, {self.period}", self.text, self.language]


def _profile_parts(profile: NationalProfile) -> tuple[tuple[str, str], ...]:
    """(label, value) pairs: the labels in the reader's language, the values as the participant wrote
    them (pages mark only the values with the profile's language)."""
    parts = [
        (_("Agencies that report"), profile.agencies),
        (_("Territory covered"), profile.territory),
        (_("Irregular stay counted"), str(profile.get_irregular_stay_display())),
        (_("One incident"), profile.incident_unit),
    ]
    if profile.definitions:
        parts.append((_("Other definitions and remarks"), profile.definitions))
    return tuple((str(label), value) for label, value in parts)


def _profile_text(profile: NationalProfile) -> str:
    return "; ".join(f"{label}: {value}" for label, value in _profile_parts(profile))


def _profile_period(profile: NationalProfile) -> str:
    if profile.valid_to is None:
        return _("from %(start)s") % {"start": profile.valid_from.isoformat()}
    return f"{profile.valid_from.isoformat()} – {profile.valid_to.isoformat()}"


def footnotes_for(*, owner_months: Iterable[tuple[int, dt.date]]) -> list[Footnote]:
    """The active notes and the profile versions of each participant whose period meets one of the
    months given for it ({(participant id, first day of month)}: data of that participant in that
    month are in the figures). Profiles first, then notes, by participant code. Two queries."""
    months: dict[int, set[dt.date]] = defaultdict(set)
    for owner, month in owner_months:
        months[owner].add(month.replace(day=1))
    if not months:
        return []
    first = min(min(ms) for ms in months.values())
    last = max(max(ms) for ms in months.values())
    notes = PeriodNote.objects.filter(
        participant_id__in=list(months),
        status=PeriodNote.Status.ACTIVE,
        month_from__lte=last,
        month_to__gte=first,
    ).select_related("participant")
    profiles = NationalProfile.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=first),
        participant_id__in=list(months),
        valid_from__lte=month_end(last),
    ).select_related("participant")
    found: list[tuple[tuple, Footnote]] = []
    for profile in profiles:
        if any(profile.covers(m, month_end(m)) for m in months[profile.participant_id]):
            p = profile.participant
            note = Footnote(
                p.pk,
                p.name,
                p.code,
                "profile",
                _profile_period(profile),
                _profile_text(profile),
                profile.language,
                _profile_parts(profile),
            )
            found.append(((p.code, 0, profile.valid_from), note))
    for n in notes:
        if any(n.month_from <= m <= n.month_to for m in months[n.participant_id]):
            p = n.participant
            found.append(((p.code, 1, n.month_from), Footnote(p.pk, p.name, p.code, "note", n.period_label, n.text,
                                                              n.language)))  # fmt: skip
    return [note for _key, note in sorted(found, key=lambda pair: pair[0])]


def record_footnotes(*, records: QuerySet) -> list[Footnote]:
    """Footnotes for a list of records (already under the rule): their owners' context for the
    months of their returns."""
    pairs = records.order_by().values_list("participant_id", "ret__month").distinct()
    return footnotes_for(owner_months=pairs)
