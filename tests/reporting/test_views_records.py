"""The record list and record detail pages: the rule decides, the owner is labelled, reads are logged."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Participant
from accounts.services import agency_create
from reporting import codes
from reporting.models import AccessEvent, Incident, ReciprocityPolicy
from reporting.selectors import INCIDENT_SORTS
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("reporting:incident-list")


@pytest.fixture(autouse=True)
def policy_v1(db):
    ReciprocityPolicy.objects.get_or_create(version=1)


@pytest.fixture
def story():
    return factories.ReciprocityStory()


def _refs(response) -> set[str]:
    return {i.national_reference for i in response.context["page"].object_list}


def _ref(story, *keys) -> set[str]:
    return {story.records[k].national_reference for k in keys}


def test_list_shows_own_and_shared_records_labelled_by_owner(client, story):
    client.force_login(story.users["home_analyst"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert _refs(response) == _ref(story, *story.expected_visible("home_analyst"))
    body = response.content.decode()
    assert "Shared by</span> Participant PAR" in body
    assert "Ours</span> Participant HOM" in body


def test_lapsed_user_sees_own_records_and_why(client, story):
    client.force_login(story.users["lapsed_contributor"])
    response = client.get(LIST)
    assert _refs(response) == _ref(story, "lapsed_shared")
    assert "Not contributing" in response.content.decode()


@pytest.mark.parametrize(
    "params, keys",
    [
        ({"owner": "PAR"}, {"partner_shared"}),
        ({"status": Incident.Status.DRAFT}, {"home_draft"}),
        ({"sort": "national_reference", "owner": "HOM"}, {"home_shared", "home_draft", "home_national"}),
        pytest.param(  # full-text: stemming, every word (elsewhere, a plain search of the words as written)
            {"q": "boats reef"},
            {"partner_shared"},
            marks=pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's full-text search"),
        ),
        ({"q": "sea"}, {"home_shared"}),
    ],
)
def test_list_filters(client, story, params, keys):
    params = dict(params)
    if "owner" in params:
        params["owner"] = getattr(story, {"PAR": "partner", "HOM": "home"}[params["owner"]]).pk
    client.force_login(story.users["home_analyst"])
    assert _refs(client.get(LIST, params)) == _ref(story, *keys)


def test_list_filters_on_category_mode_route_month_and_agency(client, story):
    home = story.home
    agency = agency_create(participant=home, name="Coast guard", kind="coast_guard")
    special = factories.incident_for(
        home,
        months_ago=5,
        categories=[codes.ConductCategory.DOCUMENT_FRAUD],
        modes=[codes.Mode.AIR],
        origin_country="IRN",
        agency=agency,
    )
    client.force_login(story.users["home_analyst"])
    for params in (
        {"category": codes.ConductCategory.DOCUMENT_FRAUD},
        {"mode": codes.Mode.AIR},
        {"country": "IRN"},
        {"agency": agency.pk},
        {"month_from": f"{special.detection_date:%Y-%m}", "month_to": f"{special.detection_date:%Y-%m}"},
    ):
        assert _refs(client.get(LIST, params)) == {special.national_reference}, params


def test_bad_filters_are_explained_all_at_once_and_the_list_still_shows(client, story):
    client.force_login(story.users["home_analyst"])
    response = client.get(LIST, {"month_from": "2025-07", "month_to": "2025-02", "status": "lost", "owner": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The last month comes before the first one." in body
    assert "Select a valid choice" in body
    assert _refs(response) == _ref(story, *story.expected_visible("home_analyst"))


def test_list_paginates(client, story, monkeypatch):
    from reporting.views import records

    monkeypatch.setattr(records, "PAGE_SIZE", 2)
    client.force_login(story.users["home_analyst"])
    first = client.get(LIST, {"sort": "national_reference"})
    second = client.get(LIST, {"sort": "national_reference", "page": 2})
    assert first.context["page"].paginator.num_pages == 3
    assert len(_refs(first)) == 2 and not _refs(first) & _refs(second)
    assert "page=2" in first.content.decode()


def test_list_counts_up_to_a_cap_and_says_more_than_past_it(client, story, monkeypatch):
    from reporting.views import records

    monkeypatch.setattr(records, "PAGE_SIZE", 2)
    client.force_login(story.users["home_analyst"])
    visible = len(story.expected_visible("home_analyst"))
    monkeypatch.setattr(records.CappedCountPaginator, "cap", visible)
    exact = client.get(LIST).content.decode()
    assert f"Showing 1–2 of {visible}" in exact and "More than" not in exact

    monkeypatch.setattr(records.CappedCountPaginator, "cap", visible - 1)
    capped = client.get(LIST, {"sort": "national_reference"})
    body = capped.content.decode()
    assert f"More than {visible - 1} records" in body and f"Showing 1–2 of more than {visible - 1}" in body
    last = client.get(LIST, {"sort": "national_reference", "page": capped.context["page"].paginator.num_pages})
    assert _refs(last) and not _refs(last) & _refs(capped)  # the pages run as far as the records counted


def test_list_logs_reads_of_other_participants_only(client, story):
    client.force_login(story.users["home_analyst"])
    client.get(LIST)
    events = AccessEvent.objects.filter(user=story.users["home_analyst"], via=AccessEvent.Via.LIST)
    assert {e.owner_id for e in events} == {story.partner.pk, story.lapsed.pk}
    assert all(e.viewer_id == story.home.pk and e.record_count == 1 for e in events)


def test_detail_of_a_shared_record_is_readable_logged_and_shows_no_foreign_history(client, story):
    record = story.records["partner_shared"]
    client.force_login(story.users["home_analyst"])
    response = client.get(reverse("reporting:incident-detail", args=[record.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sri Lanka" in body and "Migrant smuggling" in body and "At sea" in body
    assert "Change history" not in body
    event = AccessEvent.objects.get(user=story.users["home_analyst"], via=AccessEvent.Via.DETAIL)
    assert (event.owner_id, event.incident_id, event.record_count) == (story.partner.pk, record.pk, 1)


def test_detail_of_an_own_record_shows_its_change_history(client, story):
    record = story.records["home_shared"]
    record.migrants_total = 14
    record._change_reason = "corrected"
    record.save()
    client.force_login(story.users["home_focal_point"])
    response = client.get(reverse("reporting:incident-detail", args=[record.pk]))
    body = response.content.decode()
    assert "Change history" in body
    assert "Migrants detected</strong>: 12 → 14" in body
    assert not AccessEvent.objects.exists()  # own reads are not logged


@pytest.mark.parametrize("key", ["partner_national", "partner_draft", "partner_aggregate", "withholding_shared"])
def test_a_record_outside_the_rule_answers_404_like_a_missing_one(client, story, key):
    client.force_login(story.users["home_analyst"])
    hidden = client.get(reverse("reporting:incident-detail", args=[story.records[key].pk]))
    missing = client.get(reverse("reporting:incident-detail", args=[10**9]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not AccessEvent.objects.exists()


def test_suspended_participant_user_reads_own_records_only(client, story):
    client.force_login(story.users["suspended_analyst"])
    assert _refs(client.get(LIST)) == _ref(story, "suspended_shared")
    assert story.suspended.status == Participant.Status.SUSPENDED


def test_list_query_count_does_not_grow_with_the_page(client, story, django_assert_max_num_queries):
    for _ in range(10):
        factories.incident_for(story.partner)
    client.force_login(story.users["home_analyst"])
    with django_assert_max_num_queries(25):
        client.get(LIST)


def test_list_sorts_by_column_with_badges_and_a_page_size(client, story):
    client.force_login(story.users["home_analyst"])
    default = client.get(LIST)
    page = default.content.decode()
    # Each sortable heading links to its sort; the current one (newest first) links to the reverse.
    assert 'href="?sort=national_reference"' in page and 'aria-sort="descending"' in page
    assert 'href="?sort=detection_date"' in page
    rows = client.get(LIST, {"sort": "national_reference"}).context["page"].object_list
    refs = [i.national_reference for i in rows]
    assert refs == sorted(refs)
    backwards = client.get(LIST, {"sort": "-national_reference"})
    assert [i.national_reference for i in backwards.context["page"].object_list] == sorted(refs, reverse=True)
    assert 'href="?sort=national_reference"' in backwards.content.decode()  # click again: A to Z
    statuses = [i.status for i in client.get(LIST, {"sort": "status"}).context["page"].object_list]
    assert statuses == sorted(statuses)
    # Status in words inside a coloured badge; references and dates do not wrap.
    assert '<span class="status status-validated">Validated</span>' in page
    assert '<td class="ref">' in page and '<td class="date">' in page
    small = client.get(LIST, {"per_page": 25})
    assert small.context["page"].paginator.per_page == 25
    assert client.get(LIST, {"per_page": 7}).context["form"].errors  # only the offered sizes


def test_history_reads_as_people_read_it(client, story):
    """Labels, not codes; people's names, not ids; in the reader's language (issue 19)."""
    from reporting.models import Incident

    focal_point = story.users["home_focal_point"]
    focal_point.first_name, focal_point.last_name = "Luc", "Martin"
    focal_point.save(update_fields=["first_name", "last_name"])
    record = story.records["home_draft"]
    record.status = Incident.Status.SUBMITTED
    record.categories = ["migrant_smuggling", "document_fraud"]
    record.save()
    record.status = Incident.Status.VALIDATED
    record.validated_by = focal_point
    record._history_user = focal_point
    record.save()
    client.force_login(focal_point)
    body = client.get(reverse("reporting:incident-detail", args=[record.pk])).content.decode()
    assert "Submitted for validation → Validated" in body
    assert "Validated by</strong>: — → Luc Martin" in body
    assert "<td>Luc Martin</td>" in body
    assert "Migrant smuggling, Document fraud" in body and "migrant_smuggling" not in body
    assert "Draft → Submitted for validation" in body
    focal_point.language = "fr"
    focal_point.save(update_fields=["language"])
    french = client.get(reverse("reporting:incident-detail", args=[record.pk])).content.decode()
    assert "Soumis pour validation → Validé" in french or "→ Validé" in french


def test_record_without_history_rows_shows_its_page(client, story):
    """Records loaded in bulk (the demo's COPY) may have no history rows: the page still answers."""
    record = story.records["home_shared"]
    record.history.all().delete()
    client.force_login(story.users["home_focal_point"])
    response = client.get(reverse("reporting:incident-detail", args=[record.pk]))
    assert response.status_code == 200 and response.context["history"] == []


def test_lists_in_running_text_use_the_readers_separator(client, story):
    """Categories read "a, b" in English and "a، b" in Arabic (issue 19, languages)."""
    record = story.records["home_shared"]
    record.categories = ["migrant_smuggling", "document_fraud"]
    record.save()
    user = story.users["home_focal_point"]
    client.force_login(user)
    assert "Migrant smuggling, Document fraud" in client.get(LIST).content.decode()
    user.language = "ar"
    user.save(update_fields=["language"])
    body = client.get(LIST).content.decode()
    assert "، " in body and "Migrant smuggling" not in body


def _exported_references(response) -> set[str]:
    import csv
    import io

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Record", "Participant", "Reference"]
    return {row[2] for row in rows[1:]}


@pytest.mark.parametrize("actor", ["home_analyst", "home_focal_point", "lapsed_analyst", "secretariat"])
def test_the_record_list_exports_what_the_list_shows_under_the_rule(client, story, actor):
    from accounts.models import AuditEntry

    client.force_login(story.users[actor])
    response = client.get(reverse("reporting:incident-export", args=["csv"]))
    assert response.status_code == 200 and response.streaming
    assert _exported_references(response) == _ref(story, *story.expected_visible(actor))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORTED, actor=story.users[actor]).exists()


def test_the_record_list_export_follows_the_filters_neutralises_formulas_and_logs_reads(client, story):
    shared = story.records["partner_shared"]
    Incident.objects.filter(pk=shared.pk).update(narrative='=HYPERLINK("http://x","y") boat at the reef')
    client.force_login(story.users["home_analyst"])
    response = client.get(reverse("reporting:incident-export", args=["csv"]), {"participant": shared.participant_id})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert _ref(story, "partner_shared") <= {line.split(",")[2] for line in text.splitlines()[1:]}
    assert AccessEvent.objects.filter(via=AccessEvent.Via.EXPORT, owner=shared.participant).exists()
    xlsx = client.get(reverse("reporting:incident-export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_contributors_do_not_export(client, story):
    client.force_login(story.users["home_contributor"])
    assert client.get(reverse("reporting:incident-export", args=["csv"])).status_code == 403


@pytest.mark.parametrize("sort", list(INCIDENT_SORTS))
@pytest.mark.parametrize("actor", ["home_analyst", "partner_focal_point", "lapsed_contributor"])
def test_every_sort_lists_the_rules_records_in_its_order(client, story, actor, sort):
    """Each sort (served by an index of its own, migration reporting 0028) lists exactly the records
    the rule lets the reader see, in the order the sort names."""
    # Ties on the first keys (migrants, status), broken by the next ones.
    draft = Incident.Status.DRAFT
    added = [factories.incident_for(story.home, months_ago=m, migrants_total=5, status=draft) for m in (1, 3)]
    visible = {story.records[k].pk for k in story.expected_visible(actor)}
    if actor.startswith("home_"):
        visible |= {r.pk for r in added}
    client.force_login(story.users[actor])
    rows = [r.pk for r in client.get(LIST, {"sort": sort}).context["page"].object_list]
    assert set(rows) == visible
    ordered = Incident.objects.filter(pk__in=visible).order_by(*INCIDENT_SORTS[sort])
    assert rows == list(ordered.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "page, most",
    [
        # The list: session, user, owners, page, count, access log, standing (3), national context (3)...
        (LIST, 18),
        (f"{LIST}?sort=migrants_total&page=1", 18),
        (reverse("reporting:incident-create"), 8),
        (reverse("home"), 11),
        (reverse("reporting:return-list"), 8),
        (reverse("reporting:standing-detail"), 12),
    ],
)
def test_pages_take_as_many_queries_whatever_the_number_of_records(
    client, story, django_assert_max_num_queries, page, most
):
    """No query per record on the pages people open most (the load benchmark's): the same count,
    within a fixed budget, with 3 records per owner as with 20."""
    user = story.users["home_contributor"]
    client.force_login(user)
    client.get(page)  # the session and caches as in a running site
    with django_assert_max_num_queries(most) as few:
        assert client.get(page).status_code == 200
    for _ in range(17):
        factories.incident_for(story.home)
        factories.incident_for(story.partner, status=Incident.Status.VALIDATED, sharing_level=codes.SharingLevel.SHARED)
    with django_assert_max_num_queries(most) as many:
        assert client.get(page).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_record_detail_takes_as_many_queries_whatever_its_rows(client, story, django_assert_max_num_queries):
    record = story.records["partner_shared"]
    client.force_login(story.users["home_analyst"])
    url = reverse("reporting:incident-detail", args=[record.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_capped_count_does_not_sort(client, story, django_assert_max_num_queries):
    """Counting the first records up to the cap asks no order: PostgreSQL stops at the cap rather
    than sorting every readable record first (5× faster at 100,000)."""
    client.force_login(story.users["home_analyst"])
    with django_assert_max_num_queries(22) as queries:
        client.get(LIST)
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts and all("ORDER BY" not in sql for sql in counts)
