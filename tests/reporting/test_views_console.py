"""The secretariat's console pages (reporting/console/views.py)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services as account_services
from accounts.models import AuditEntry, Participant, Role
from reporting.models import BorderCrossingPoint, ExchangeRate, ReciprocityPolicy
from reporting.reciprocity import current_grants
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = [
    ("reporting:console-home", {}),
    ("reporting:console-participants", {}),
    ("reporting:console-terms", {}),
    ("reporting:console-policy", {}),
    ("reporting:console-coverage", {}),
    ("reporting:console-codelist", {"kind": "crossing-points"}),
    ("reporting:console-codelist", {"kind": "agencies"}),
    ("reporting:console-codelist", {"kind": "exchange-rates"}),
    ("reporting:console-audit", {}),
]


@pytest.fixture
def secretariat(client):
    # The migration's policy row is data: a transactional test run before on a reused database may
    # have flushed it (tests/browser restore it the same way).
    ReciprocityPolicy.objects.get_or_create(version=1)
    user = factories.user(role=Role.SECRETARIAT)
    client.force_login(user)
    return user


def _contributing(participant, months=(1, 2, 3)):
    for n in months:
        factories.return_for(participant, factories.months_back(n), submitted=True)
    return participant


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_console_pages_are_for_the_secretariat_only(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    participant = factories.participant()
    for role in (Role.FOCAL_POINT, Role.ANALYST, Role.CONTRIBUTOR):
        client.force_login(factories.user(role=role, participant=participant))
        assert client.get(url).status_code == 403
    client.force_login(factories.user(role=Role.SECRETARIAT))
    assert client.get(url).status_code == 200


def test_participant_detail_and_steps_are_forbidden_to_others(client):
    p = factories.participant()
    client.force_login(factories.user(role=Role.FOCAL_POINT, participant=p))
    assert client.get(reverse("reporting:console-participant", args=[p.pk])).status_code == 403
    response = client.post(reverse("reporting:console-participant-step", args=[p.pk, "suspend"]), {"reason": "x"})
    assert response.status_code == 403
    p.refresh_from_db()
    assert p.status == Participant.Status.ACTIVE


def test_lifecycle_through_the_pages_changes_access(client, secretariat, django_capture_on_commit_callbacks):
    partner = _contributing(factories.participant())
    account_services.terms_publish(
        title="Terms", text="…", published_on=timezone.localdate() - dt.timedelta(days=10), created_by=secretariat
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:console-participants"),
            {"code": "fji", "name": "Fiji", "kind": "state", "region": "pacific", "country": "FJI"},
        )
    fiji = Participant.objects.get(code="FJI")
    detail = reverse("reporting:console-participant", args=[fiji.pk])
    assert response.status_code == 302 and response["Location"] == detail

    def step(name, reason=""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("reporting:console-participant-step", args=[fiji.pk, name]), {"reason": reason})

    refused = step("activate")
    assert refused.status_code == 400 and "acceptance of the current terms" in refused.content.decode()
    response = client.post(
        reverse("reporting:console-terms-accept", args=[fiji.pk]),
        {"terms": account_services.terms_current().pk, "accepted_on": timezone.localdate(), "signed_by": "Minister"},
    )
    assert response.status_code == 302
    assert step("activate").status_code == 302
    # Just joined: in the grace period, so it reads the partner and the partner reads it.
    assert {(partner.pk, fiji.pk), (fiji.pk, partner.pk)} <= current_grants()
    page = client.get(detail).content.decode()
    assert "grace period" in page and "reads 1 participants" in page
    missing_reason = step("suspend")
    assert missing_reason.status_code == 400 and "Give the reason" in missing_reason.content.decode()
    assert step("suspend", "No returns for a year").status_code == 302
    assert not {(partner.pk, fiji.pk), (fiji.pk, partner.pk)} & current_grants()
    page = client.get(detail).content.decode()
    assert "the participant is suspended" in page and "No returns for a year" in page
    assert step("reinstate", "Returns resumed").status_code == 302
    assert {(partner.pk, fiji.pk), (fiji.pk, partner.pk)} <= current_grants()
    history = client.get(detail).content.decode()
    for text in ("Invited → Active", "Active → Suspended", "Suspended → Active"):
        assert text in history


def test_policy_preview_shows_gains_and_losses_and_changes_nothing(client, secretariat):
    three = _contributing(factories.participant(code="THR"), months=(1, 2, 3))
    two = _contributing(factories.participant(code="TWO"), months=(1, 2))
    data = {
        "min_returns": 2,
        "window_months": 6,
        "grace_days": 90,
        "non_contributors_see_aggregates": "on",
        "min_cell": 5,
        "min_contributors": 3,
        "reason": "Easier for small states",
        "action": "preview",
    }
    response = client.post(reverse("reporting:console-policy"), data)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [c.participant for c in preview.gain] == [two] and preview.lose == []
    # THR already reads TWO (TWO is active); TWO would start reading THR.
    assert preview.grants_added == {(three.pk, two.pk)} and preview.grants_removed == set()
    assert ReciprocityPolicy.objects.count() == 1
    response = client.post(reverse("reporting:console-policy"), {**data, "min_returns": 4})
    preview = response.context["preview"]
    assert [c.participant for c in preview.lose] == [three]
    # Confirming parameters other than the ones previewed shows their preview instead.
    previewed = response.context["previewed"]  # the preview of min_returns=4
    response = client.post(reverse("reporting:console-policy"), {**data, "action": "confirm", "previewed": previewed})
    assert response.status_code == 200 and ReciprocityPolicy.objects.count() == 1
    response = client.post(
        reverse("reporting:console-policy"), {**data, "action": "confirm", "previewed": response.context["previewed"]}
    )
    assert response.status_code == 302
    policy = ReciprocityPolicy.objects.current()
    assert (policy.version, policy.min_returns, policy.created_by, policy.reason) == (
        2,
        2,
        secretariat,
        "Easier for small states",
    )


def test_policy_form_reports_every_problem(client, secretariat):
    response = client.post(
        reverse("reporting:console-policy"),
        {"min_returns": 9, "window_months": 6, "grace_days": -1, "min_cell": 5, "min_contributors": 3, "reason": ""},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"grace_days", "reason", "__all__"} <= set(errors)
    assert ReciprocityPolicy.objects.count() == 1


def test_coverage_exports(client, secretariat):
    p = _contributing(factories.participant(code="FJI"))
    csv_response = client.get(reverse("reporting:console-coverage"), {"months": 6, "format": "csv"})
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code,Participant,Status,") and lines[1].startswith(f"FJI,{p.name},Active,")
    xlsx = client.get(reverse("reporting:console-coverage"), {"months": 6, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2 and sheet.max_column == 3 + 6 + 6


def test_code_lists_keep_history_and_report_problems(client, secretariat):
    p = factories.participant()
    url = reverse("reporting:console-codelist", kwargs={"kind": "crossing-points"})
    response = client.post(
        url, {"participant": p.pk, "code": "nadi", "name": "Nadi airport", "mode": "air", "is_active": "on"}
    )
    assert response.status_code == 302
    bcp = BorderCrossingPoint.objects.get()
    assert bcp.code == "NADI"
    edit = reverse("reporting:console-codelist-edit", kwargs={"kind": "crossing-points", "pk": bcp.pk})
    client.post(
        edit, {"participant": p.pk, "code": "NADI", "name": "Nadi International", "mode": "air", "reason": "renamed"}
    )
    page = client.get(edit).content.decode()
    assert "Nadi International" in page and "renamed" in page and secretariat.username in page
    assert bcp.history.count() == 2
    bad = client.post(
        reverse("reporting:console-codelist", kwargs={"kind": "exchange-rates"}),
        {"currency": "", "month": "", "usd_per_unit": "-1"},
    )
    assert bad.status_code == 400 and {"currency", "month", "usd_per_unit"} <= set(bad.context["form"].errors)
    good = client.post(
        reverse("reporting:console-codelist", kwargs={"kind": "exchange-rates"}),
        {"currency": "FJD", "month": "2026-03-17", "usd_per_unit": "0.44"},
    )
    assert good.status_code == 302
    assert ExchangeRate.objects.get().month == dt.date(2026, 3, 1)
    agencies = reverse("reporting:console-codelist", kwargs={"kind": "agencies"})
    assert (
        client.post(agencies, {"participant": p.pk, "name": "Police", "kind": "police", "is_active": "on"}).status_code
        == 302
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CODE_LIST_CHANGED).count() == 4
    assert client.get(reverse("reporting:console-codelist", kwargs={"kind": "nonsense"})).status_code == 404


def test_audit_search_filters_and_exports(client, secretariat):
    p = factories.participant(code="FJI")
    other = factories.participant(code="TON")
    account_services.participation_step(participant=p, step="suspend", changed_by=secretariat, reason="Breach")
    account_services.participation_step(participant=other, step="suspend", changed_by=secretariat, reason="Other")
    response = client.get(reverse("reporting:console-audit"), {"participant": p.pk, "kinds": ["participation"]})
    rows = response.context["rows"]
    assert [r.participant for r in rows] == ["FJI", "FJI"]  # invitation-time entry and the suspension
    assert "Breach" in rows[0].what and rows[0].actor == secretariat.username
    response = client.get(reverse("reporting:console-audit"), {"text": "Breach", "format": "csv"})
    exported = b"".join(response.streaming_content).decode()
    assert "Breach" in exported and "Other" not in exported
    bad = client.get(reverse("reporting:console-audit"), {"since": "2026-05-01", "until": "2026-04-01"})
    assert bad.status_code == 400


def test_audit_text_search_narrows_every_kind(client, secretariat):
    from reporting.reciprocity import reciprocity_sync

    fiji = _contributing(factories.participant(code="FJI"))
    _contributing(factories.participant(code="TON"))
    _contributing(factories.participant(code="WSM"))
    reciprocity_sync(trigger="test")  # grant changes between all three
    everything = client.get(reverse("reporting:console-audit")).context["rows"]
    assert any("FJI" not in r.what and r.participant != "FJI" for r in everything)
    rows = client.get(reverse("reporting:console-audit"), {"text": "fji"}).context["rows"]
    assert rows and {r.kind for r in rows} >= {"grants"}
    assert all("FJI" in r.what or r.participant == "FJI" for r in rows)
    assert client.get(reverse("reporting:console-audit"), {"text": "no such thing"}).context["rows"] == []
    assert fiji  # its grants were found by its code


def test_exports_are_audited_and_searchable(client, secretariat):
    from accounts.models import AuditEntry as Entry

    _contributing(factories.participant(code="FJI"))
    client.get(reverse("reporting:console-coverage"), {"months": 6, "format": "xlsx"})
    client.get(reverse("reporting:console-audit"), {"kinds": ["participation"], "format": "csv"})
    exports = list(Entry.objects.filter(action=Entry.Action.EXPORTED).order_by("at"))
    assert [(e.actor, e.details["subject"], e.details["format"]) for e in exports] == [
        (secretariat, "Coverage grid", "xlsx"),
        (secretariat, "Audit trail", "csv"),
    ]
    assert exports[0].details["rows"] == 1 and exports[1].details["filters"] == {"kinds": "['participation']"}
    found = client.get(reverse("reporting:console-audit"), {"kinds": ["exports"]}).context["rows"]
    assert [r.kind_label for r in found] == ["Export", "Export"] and "Coverage grid" in found[-1].what
    console_only = client.get(reverse("reporting:console-audit"), {"kinds": ["console"]}).context["rows"]
    assert not any("exported" in r.what for r in console_only)


def test_audit_trail_is_paged_showing_n_of_m(client, secretariat):
    from accounts.models import AuditEntry as Entry

    Entry.objects.bulk_create(
        Entry(actor=secretariat, action=Entry.Action.CODE_LIST_CHANGED, summary=f"change {i:03d}") for i in range(60)
    )
    url = reverse("reporting:console-audit")
    first = client.get(url, {"kinds": ["console"], "per_page": 25})
    total = first.context["page"].paginator.count
    assert total >= 60 and len(first.context["rows"]) == 25
    assert f"Showing 1–25 of {total}" in first.content.decode()
    last_page = first.context["page"].paginator.num_pages
    last = client.get(url, {"kinds": ["console"], "per_page": 25, "page": last_page})
    assert f"Showing {25 * (last_page - 1) + 1}–{total} of {total}" in last.content.decode()
    # Every row once across the pages, newest first.
    seen = [
        r.what
        for n in range(1, last_page + 1)
        for r in client.get(url, {"kinds": ["console"], "per_page": 25, "page": n}).context["rows"]
    ]
    assert len(seen) == len(set(seen)) == total


def test_audit_csv_streams_past_five_thousand_rows(client, secretariat):
    from accounts.models import AuditEntry as Entry

    Entry.objects.bulk_create(
        Entry(actor=secretariat, action=Entry.Action.CODE_LIST_CHANGED, summary=f"=change {i}") for i in range(5200)
    )
    response = client.get(reverse("reporting:console-audit"), {"kinds": ["console"], "format": "csv"})
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 5200
    assert "=change 5199" in lines[1]  # newest first
    assert Entry.objects.get(action=Entry.Action.EXPORTED).details["rows"] == 5200


def test_a_dashboard_export_is_audited(client):
    from accounts.models import AuditEntry as Entry

    analyst = factories.user(role=Role.ANALYST, participant=_contributing(factories.participant()))
    client.force_login(analyst)
    response = client.get(reverse("analytics:chart-export", args=["modes", "csv"]), {"mode": "sea"})
    assert response.status_code == 200
    entry = Entry.objects.get(action=Entry.Action.EXPORTED)
    assert (entry.actor, entry.participant, entry.details["subject"], entry.details["filters"]) == (
        analyst,
        analyst.participant,
        "Chart modes",
        {"mode": "sea"},
    )
    assert client.get(reverse("analytics:chart-export", args=["nope", "csv"])).status_code == 404
    assert Entry.objects.filter(action=Entry.Action.EXPORTED).count() == 1  # nothing exported, nothing logged


def test_agency_history_and_list_filters(client, secretariat):
    p = factories.participant()
    agencies = reverse("reporting:console-codelist", kwargs={"kind": "agencies"})
    client.post(agencies, {"participant": p.pk, "name": "Police", "kind": "police", "is_active": "on"})
    agency = p.agencies.get(name="Police")
    edit = reverse("reporting:console-codelist-edit", kwargs={"kind": "agencies", "pk": agency.pk})
    response = client.post(edit, {"participant": p.pk, "name": "Federal Police", "kind": "police", "reason": "merger"})
    assert response.status_code == 302
    page = client.get(edit)
    history = list(page.context["audit_history"])
    assert [h.details.get("reason") for h in history] == ["merger", ""]
    html = page.content.decode()
    assert "merger" in html and "Police · police · in use" in html
    listing = client.get(agencies, {"participant": p.pk}).context["rows"]
    assert [cells for _e, cells in listing] == [[p, "Federal Police", "Police", "no"]]
    rates = reverse("reporting:console-codelist", kwargs={"kind": "exchange-rates"})
    for currency in ("FJD", "TOP"):
        client.post(rates, {"currency": currency, "month": "2026-03-01", "usd_per_unit": "0.4"})
    shown = client.get(rates, {"currency": "fjd"})
    assert [e.currency for e, _cells in shown.context["rows"]] == ["FJD"]
    assert list(shown.context["currencies"]) == ["FJD", "TOP"]


def test_console_page_ids_are_unique(client, secretariat):
    import re

    p = factories.participant()
    account_services.terms_publish(title="Terms", text="…", published_on=timezone.localdate(), created_by=secretariat)
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in PAGES]
    urls += [reverse("reporting:console-participant", args=[p.pk])]
    for url in urls:
        ids = re.findall(r'\bid="([^"]+)"', client.get(url).content.decode())
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, (url, duplicates)


def test_participant_page_shows_its_returns_of_the_last_year(client, secretariat):
    p = _contributing(factories.participant(joined_on=dt.date(2020, 1, 1)), months=(1, 2))
    row = client.get(reverse("reporting:console-participant", args=[p.pk])).context["coverage"]
    assert len(row.cells) == 12 and row.participant == p
    assert [c.state for c in row.cells[-2:]] == ["data", "data"] and row.cells[0].state == "missing"


@pytest.mark.parametrize(
    "name",
    [
        "reporting:console-home",
        "reporting:console-participants",
        "reporting:console-coverage",
        "reporting:console-policy",
        "reporting:console-audit",
        "accounts:user-list",
    ],
)
def test_console_pages_do_not_query_per_participant(client, secretariat, name):
    """The same number of queries with three participants as with twelve (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for _ in range(n):
            p = _contributing(factories.participant())
            factories.user(role=Role.FOCAL_POINT, participant=p)
            account_services.participation_step(participant=p, step="suspend", changed_by=secretariat, reason="x")
            p.status = Participant.Status.ACTIVE
            p.save(update_fields=["status"])

    add(3)
    queries()  # the first request of a session does its own bookkeeping
    few = queries()
    add(9)
    assert queries() == few


def test_a_withdrawn_participants_records_stay_marked_and_are_no_longer_shared(
    client, secretariat, django_capture_on_commit_callbacks
):
    from reporting.models import Incident

    owner = _contributing(factories.participant(code="OWN"))
    reader = _contributing(factories.participant(code="RDR"))
    record = factories.IncidentFactory(participant=owner, ret=factories.return_for(owner, factories.months_back(2)))
    assert record.status == Incident.Status.VALIDATED
    own_analyst = factories.user(role=Role.ANALYST, participant=owner)
    other_analyst = factories.user(role=Role.ANALYST, participant=reader)
    url = reverse("reporting:incident-detail", args=[record.pk])
    from reporting.reciprocity import reciprocity_sync

    reciprocity_sync(trigger="test")
    client.force_login(other_analyst)
    assert client.get(url).status_code == 200  # shared while its owner is active
    with django_capture_on_commit_callbacks(execute=True):
        account_services.participation_step(participant=owner, step="withdraw", changed_by=secretariat, reason="Left")
    client.force_login(own_analyst)
    page = client.get(url)
    assert page.status_code == 200 and 'id="owner-withdrawn"' in page.content.decode()
    client.force_login(other_analyst)
    assert client.get(url).status_code == 404
    assert Incident.objects.filter(pk=record.pk).exists()


def test_grant_changes_name_the_participant_not_its_id(client, secretariat, django_capture_on_commit_callbacks):
    """Audit texts say "participant FJI suspended", never "participant 18 status" (issue 19)."""
    from unittest import mock

    p = _contributing(factories.participant(code="FJI"))
    with mock.patch("reporting.tasks.reciprocity_sync_enqueue") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            account_services.participation_step(participant=p, step="suspend", changed_by=secretariat, reason="x")
    assert enqueue.call_args.kwargs["trigger"] == "participant FJI suspended"
