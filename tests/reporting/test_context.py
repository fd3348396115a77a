"""National context (issue 22, part 1): profiles and notes on periods, read within the rule, shown
as footnotes exactly where their participant's data are (docs/context.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from analytics.selectors import DashboardFilters, dashboard_get
from analytics.services import facts_rebuild_all
from reporting.context import selectors, services
from reporting.context.models import NationalProfile, PeriodNote
from tests import factories
from tests.dates import frozen_at

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 7)  # a frozen day in the past (tests/dates.py)


@pytest.fixture
def story():
    with frozen_at(DAY):
        yield factories.ReciprocityStory()


def _note(story, key: str, *, months_ago: int = 2, text: str | None = None) -> PeriodNote:
    """A note of participant `key` on the month of the story's records (2 months back by default)."""
    participant = getattr(story, key)
    month = factories.months_back(months_ago)
    return PeriodNote.objects.create(
        participant=participant, month_from=month, month_to=month, text=text or f"{key} note", language="en"
    )


def _owners(notes) -> set[str]:
    return {n.participant.code for n in notes}


def test_notes_follow_the_rule(story):
    """Readers of a participant's data see its notes; nothing of a participant outside the rule."""
    with frozen_at(DAY):
        for key in ("home", "partner", "lapsed", "suspended", "withholding"):
            _note(story, key)
        seen = {actor: _owners(selectors.note_list(user=story.users[actor])) for actor in story.users}
    assert seen["home_analyst"] == {"HOM", "PAR", "LAP"}  # not suspended, not withholding from home
    assert seen["home_contributor"] == {"HOM", "PAR", "LAP"}
    assert seen["lapsed_analyst"] == {"LAP"}  # a non-contributor: its own only
    assert seen["suspended_focal_point"] == {"SUS"}
    assert seen["partner_focal_point"] == {"HOM", "PAR", "LAP", "WIT"}
    assert seen["secretariat"] == {"HOM", "PAR", "LAP", "SUS", "WIT"}
    assert seen["norole"] == set()


def test_a_note_outside_the_rule_is_missing(story):
    with frozen_at(DAY):
        suspended = _note(story, "suspended")
        with pytest.raises(Http404):
            selectors.note_get_for(user=story.users["home_analyst"], pk=suspended.pk)
        with pytest.raises(Http404):
            selectors.note_get_for(user=story.users["home_analyst"], pk=987654)
        assert selectors.note_get_for(user=story.users["secretariat"], pk=suspended.pk) == suspended


def test_profiles_follow_the_rule(story):
    with frozen_at(DAY):
        for p in (story.home, story.suspended, story.withholding):
            NationalProfile.objects.create(participant=p, valid_from=dt.date(2020, 1, 1), agencies="Police",
                                           territory="All", incident_unit="A group", language="en")  # fmt: skip
        assert {p.participant.code for p in selectors.profile_list(user=story.users["home_analyst"])} == {"HOM"}
        assert {p.participant.code for p in selectors.profile_list(user=story.users["lapsed_analyst"])} == set()


def _dashboard(user):
    filters = DashboardFilters(month_from=factories.months_back(12), month_to=factories.months_back(1))
    return {c.key: c for c in dashboard_get(user=user, filters=filters).charts}


def _footnoted(chart) -> set[str]:
    return {f.code for f in chart.footnotes}


def test_footnotes_appear_exactly_where_the_data_are(story):
    with frozen_at(DAY):
        facts_rebuild_all()
        _note(story, "partner", text="New maritime patrol from March")  # partner has data that month
        _note(story, "partner", months_ago=5, text="A month without partner data")
        _note(story, "suspended", text="Never shown to others")
        _note(story, "withholding", text="Withheld from home")
        _note(story, "home", text="Own note")
        home = _dashboard(story.users["home_analyst"])
        lapsed = _dashboard(story.users["lapsed_analyst"])
        secretariat = _dashboard(story.users["secretariat"])
    texts = {f.text for f in home["series"].footnotes}
    assert texts == {"New maritime patrol from March", "Own note"}
    assert _footnoted(home["modes"]) == {"HOM", "PAR"}
    assert home["coverage"].footnotes == []  # returns, not data
    assert _footnoted(lapsed["series"]) <= {"LAP"}  # a non-contributor: its own data only
    assert "SUS" not in _footnoted(secretariat["series"])  # suspended: its data are in no figure


def test_a_filter_that_leaves_a_participant_out_leaves_its_notes_out(story):
    with frozen_at(DAY):
        facts_rebuild_all()
        _note(story, "partner", text="Partner context")
        filters = DashboardFilters(
            month_from=factories.months_back(12), month_to=factories.months_back(1),
            participant_ids=frozenset({story.home.pk}),
        )  # fmt: skip
        charts = {c.key: c for c in dashboard_get(user=story.users["home_analyst"], filters=filters).charts}
    assert "PAR" not in _footnoted(charts["series"])


def test_chart_and_record_exports_carry_the_footnotes(story):
    with frozen_at(DAY):
        facts_rebuild_all()
        _note(story, "partner", text="Figures include asylum seekers")
        _note(story, "suspended", text="Suspended context")
        client = Client()
        client.force_login(story.users["home_analyst"])
        month = f"{factories.months_back(2):%Y-%m}"
        query = {"from": f"{factories.months_back(12):%Y-%m}", "to": f"{factories.months_back(1):%Y-%m}"}
        chart = client.get(reverse("analytics:chart-export", args=["series", "csv"]), query).content.decode()
        records = b"".join(client.get(reverse("analytics:records-export", args=["csv"]), query).streaming_content)
        listing = client.get(reverse("reporting:incident-list")).content.decode()
    assert "Figures include asylum seekers" in chart and "Suspended context" not in chart
    assert f"PAR, {month}" in chart
    assert "Figures include asylum seekers" in records.decode() and "Suspended context" not in records.decode()
    assert "Figures include asylum seekers" in listing and "Suspended context" not in listing


def test_a_note_is_screened_kept_in_history_withdrawn_and_audited(story):
    focal_point = story.users["home_focal_point"]
    month = dt.date(2026, 3, 1)
    with pytest.raises(ValidationError) as refused:
        services.note_create(participant=story.home, by=focal_point, month_from=month, month_to=dt.date(2026, 1, 1),
                             text="Mr John Smith, passport A1234567, under-reported", language="xx")  # fmt: skip
    assert set(refused.value.message_dict) == {"month_to", "text", "language"}  # every problem at once
    note = services.note_create(participant=story.home, by=focal_point, month_from=month, month_to=month,
                                text="March under-reported: system migration", language="en")  # fmt: skip
    note = services.note_update(note=note, by=focal_point, month_from=month, month_to=dt.date(2026, 4, 1),
                                text="Mars sous-déclaré", language="fr", version=1)  # fmt: skip
    with pytest.raises(services.StaleNote):
        services.note_update(note=note, by=focal_point, month_from=month, month_to=month, text="x", language="en",
                             version=1)  # fmt: skip
    services.note_withdraw(note=note, by=focal_point, reason="Figures corrected")
    note.refresh_from_db()
    assert note.status == PeriodNote.Status.WITHDRAWN
    assert [h.text for h in note.history.order_by("history_id")] == [
        "March under-reported: system migration",
        "Mars sous-déclaré",
        "Mars sous-déclaré",
    ]
    audited = AuditEntry.objects.filter(action=AuditEntry.Action.CONTEXT_CHANGED, participant=story.home)
    assert audited.count() == 3
    assert "Mars" not in " ".join(audited.values_list("summary", flat=True))  # which note, never its text
    assert not selectors.note_list(user=story.users["home_analyst"]).filter(pk=note.pk).exists()


def test_only_the_own_focal_point_writes(story):
    month = dt.date(2026, 3, 1)
    for actor in ("home_analyst", "home_contributor", "secretariat", "lapsed_focal_point"):
        with pytest.raises(PermissionDenied):
            services.note_create(participant=story.home, by=story.users[actor], month_from=month, month_to=month,
                                 text="A note", language="en")  # fmt: skip


def test_a_new_profile_version_closes_the_one_before(story):
    focal_point = story.users["home_focal_point"]
    fields = dict(agencies="Immigration, police", territory="Mainland", irregular_stay="no",
                  incident_unit="One boat or group", language="en")  # fmt: skip
    first = services.profile_save(participant=story.home, by=focal_point, valid_from=dt.date(2024, 1, 1), **fields)
    second = services.profile_save(participant=story.home, by=focal_point, valid_from=dt.date(2025, 7, 1),
                                   **{**fields, "territory": "Mainland and islands"})  # fmt: skip
    first.refresh_from_db()
    assert first.valid_to == dt.date(2025, 6, 30) and second.valid_to is None
    with pytest.raises(ValidationError) as refused:
        services.profile_save(participant=story.home, by=focal_point, valid_from=dt.date(2026, 1, 1),
                              **{**fields, "agencies": "", "definitions": "Contact: officer@example.org"})  # fmt: skip
    assert set(refused.value.message_dict) == {"agencies", "definitions"}
    notes = selectors.footnotes_for(owner_months=[(story.home.pk, dt.date(2024, 6, 1))])
    assert [n.kind for n in notes] == ["profile"] and "Mainland" in notes[0].text and "islands" not in notes[0].text


def test_pages_let_the_focal_point_write(story):
    client = Client()
    client.force_login(story.users["home_focal_point"])
    response = client.post(reverse("reporting:context-note-create"),
                           {"month_from": "2026-03", "month_to": "2026-02", "text": "", "language": "en"})  # fmt: skip
    assert response.status_code == 200 and not PeriodNote.objects.exists()
    assert "The last month comes on or after the first month." in response.content.decode()
    note_data = {"month_from": "2026-03", "month_to": "2026-03", "text": "New patrol", "language": "en"}
    response = client.post(reverse("reporting:context-note-create"), note_data)
    assert response.status_code == 302
    note = PeriodNote.objects.get()
    assert "New patrol" in client.get(reverse("reporting:context-list")).content.decode()
    assert 'value="2026-03"' in client.get(reverse("reporting:context-note-update", args=[note.pk])).content.decode()
    response = client.post(reverse("reporting:context-note-withdraw", args=[note.pk]), {"reason": "Wrong month"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == PeriodNote.Status.WITHDRAWN
