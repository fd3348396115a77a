"""Linked incidents across participants (docs/links.md): proposals only between records both sides
read, each side's decision, the link on both records, and totals that count a venture once."""

import datetime as dt
from dataclasses import replace

import pytest
from django.core.cache import caches
from django.urls import reverse

from accounts.models import Role
from analytics.models import IncidentFact
from analytics.selectors import DashboardFilters, dashboard_get
from analytics.services import facts_rebuild, facts_rebuild_all
from reporting.linking import selectors, services
from reporting.linking.models import IncidentLink
from reporting.models import AccessEvent, Incident, IncidentTransit, ReciprocityPolicy, ReturnOutbox, SharingExclusion
from reporting.reciprocity import reciprocity_sync
from tests import factories
from tests.dates import frozen_at

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 16)  # in the past (PostgreSQL's clock is not frozen)


@pytest.fixture
def story():
    with frozen_at(DAY):
        yield factories.ReciprocityStory()


def pairs(story) -> set[frozenset[str]]:
    names = {r.pk: key for key, r in story.records.items()}
    return {frozenset((names[a], names[b])) for a, b in IncidentLink.objects.values_list("first_id", "second_id")}


def test_proposals_only_between_records_both_participants_read(story):
    with frozen_at(DAY):
        result = services.links_propose()
        again = services.links_propose()
    # home and partner read each other; partner and withholding too. Not: home and withholding
    # (withheld), the lapsed participant (reads nobody), the suspended one (neither reads nor is
    # read), and no aggregate-only, national-only, draft or embargoed record.
    assert pairs(story) == {
        frozenset(("home_shared", "partner_shared")),
        frozenset(("partner_shared", "withholding_shared")),
    }
    assert result.proposed == 2
    assert again.proposed == 0  # idempotent


def test_a_proposal_needs_the_same_venture(story):
    partner_shared = story.records["partner_shared"]
    with frozen_at(DAY):
        Incident.objects.filter(pk=partner_shared.pk).update(migrants_total=40)  # counts far apart
        services.links_propose()
    assert pairs(story) == set()
    with frozen_at(DAY):
        Incident.objects.filter(pk=partner_shared.pk).update(
            migrants_total=13, origin_country="MMR", destination_country="MYS"
        )  # counts close, another route, and no transit in common
        services.links_propose()
    assert pairs(story) == set()
    with frozen_at(DAY):  # the same transit country: a venture seen on its way
        IncidentTransit.objects.create(incident=partner_shared, sequence=1, country="IDN")
        IncidentTransit.objects.create(incident=story.records["home_shared"], sequence=1, country="IDN")
        services.links_propose()
    assert pairs(story) == {frozenset(("home_shared", "partner_shared"))}
    link = IncidentLink.objects.get()
    assert link.shared_transit and not link.same_route


def test_a_proposal_needs_one_participants_country_on_the_others_route(story):
    home, partner = story.records["home_shared"], story.records["partner_shared"]
    with frozen_at(DAY):
        Incident.objects.filter(pk__in=[home.pk, partner.pk]).update(destination_country="NZL")
        services.links_propose()
    assert pairs(story) == set()  # the same route, LKA to NZL, crosses neither side's country (AUS)
    with frozen_at(DAY):
        IncidentTransit.objects.create(incident=home, sequence=1, country="AUS")  # through the partner's
        services.links_propose()
    assert pairs(story) == {frozenset(("home_shared", "partner_shared"))}
    link = IncidentLink.objects.get()
    assert link.same_route and not link.shared_transit


def test_a_record_with_many_look_alikes_is_not_proposed(story, monkeypatch):
    """Which of several look-alikes is its venture cannot be said: none is proposed for that record."""
    home_links = IncidentLink.objects.filter(first_participant=story.home) | IncidentLink.objects.filter(
        second_participant=story.home
    )
    with frozen_at(DAY):
        for n in range(services.MAX_LOOKALIKES):  # the partner's record and this many more like it
            factories.incident_for(story.partner, narrative=f"Look-alike {n}")
        services.links_propose()
        assert not home_links.exists()
        monkeypatch.setattr(services, "MAX_LOOKALIKES", services.MAX_LOOKALIKES + 1)
        services.links_propose()
    assert home_links.count() == services.MAX_LOOKALIKES  # each look-alike, once told apart


def decide(client, user, link, decision):
    client.force_login(user)
    return client.post(reverse("reporting:link-decide", args=[link.pk]), {"decision": decision})


def home_partner_link(story) -> IncidentLink:
    with frozen_at(DAY):
        services.links_propose()
    return IncidentLink.objects.get(
        first_participant__in=[story.home, story.partner], second_participant__in=[story.home, story.partner]
    )


def test_both_sides_confirm_and_the_link_shows_on_both_records(story, client):
    link = home_partner_link(story)
    home_fp, partner_fp = story.users["home_focal_point"], story.users["partner_focal_point"]
    with frozen_at(DAY):
        assert decide(client, home_fp, link, "confirm").status_code == 302
        link.refresh_from_db()
        assert link.status == IncidentLink.Status.PROPOSED
        assert decide(client, partner_fp, link, "confirm").status_code == 302
        link.refresh_from_db()
        assert link.status == IncidentLink.Status.CONFIRMED
        # History kept: proposed, one decision, the other.
        assert link.history.count() == 3
        assert {h.history_user for h in link.history.all()} >= {home_fp, partner_fp}
        # The second record's return waits for a facts rebuild.
        assert ReturnOutbox.objects.filter(ret_id=link.second.ret_id).exists()
        client.force_login(home_fp)
        page = client.get(reverse("reporting:incident-detail", args=[story.records["home_shared"].pk]))
        assert "Also reported by Participant PAR" in page.content.decode()
        assert story.records["partner_shared"].national_reference in page.content.decode()
        # Showing the partner's record beside home's is a read of it: in the partner's access log.
        assert AccessEvent.objects.filter(user=home_fp, owner=story.partner).exists()
        client.force_login(partner_fp)
        page = client.get(reverse("reporting:incident-detail", args=[story.records["partner_shared"].pk]))
        assert "Also reported by Participant HOM" in page.content.decode()


def test_one_rejection_ends_the_link(story, client):
    link = home_partner_link(story)
    with frozen_at(DAY):
        decide(client, story.users["home_focal_point"], link, "confirm")
        decide(client, story.users["partner_focal_point"], link, "reject")
        link.refresh_from_db()
        assert link.status == IncidentLink.Status.REJECTED
        services.links_propose()  # never proposed again
    assert IncidentLink.objects.filter(pk=link.pk, status=IncidentLink.Status.REJECTED).count() == 1
    assert IncidentLink.objects.filter(first=link.first, second=link.second).count() == 1


def test_a_link_outside_the_rule_is_missing(story, client):
    link = home_partner_link(story)
    with frozen_at(DAY):
        # Not a side of the link: 404, like a link that does not exist.
        withholding_fp = factories.user(role=Role.FOCAL_POINT, participant=story.withholding)
        assert decide(client, withholding_fp, link, "confirm").status_code == 404
        # A side that stopped contributing reads nothing of the other's: 404, and no row listed.
        lapsed_fp = story.users["lapsed_focal_point"]
        assert decide(client, lapsed_fp, link, "confirm").status_code == 404
        # Roles other than focal point: the page is forbidden whatever the link.
        assert decide(client, story.users["home_analyst"], link, "confirm").status_code == 403
        # The partner withholds its data from home: the link disappears from home's list and page.
        decide(client, story.users["home_focal_point"], link, "confirm")
        decide(client, story.users["partner_focal_point"], link, "confirm")
        SharingExclusion.objects.create(owner=story.partner, partner=story.home)
        reciprocity_sync(trigger="test")
        home_fp = story.users["home_focal_point"]
        assert list(selectors.link_list(user=home_fp)) == []
        assert decide(client, home_fp, link, "reject").status_code == 404
        client.force_login(home_fp)
        page = client.get(reverse("reporting:incident-detail", args=[story.records["home_shared"].pk])).content.decode()
        assert "Also reported by" not in page and story.records["partner_shared"].national_reference not in page
        listing = client.get(reverse("reporting:link-list") + "?status=confirmed").content.decode()
        assert story.records["partner_shared"].national_reference not in listing


def test_a_third_reader_sees_nothing_of_a_linked_record_it_may_not_read(story, client):
    link = home_partner_link(story)
    with frozen_at(DAY):
        decide(client, story.users["home_focal_point"], link, "confirm")
        decide(client, story.users["partner_focal_point"], link, "confirm")
        # withholding reads home's shared record, but the partner now withholds its data from it.
        SharingExclusion.objects.create(owner=story.partner, partner=story.withholding)
        reciprocity_sync(trigger="test")
        reader = factories.user(role=Role.ANALYST, participant=story.withholding)
        client.force_login(reader)
        page = client.get(reverse("reporting:incident-detail", args=[story.records["home_shared"].pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Also reported by" not in text and story.records["partner_shared"].national_reference not in text


def test_the_list_page_shows_only_the_participants_readable_links(story, client):
    with frozen_at(DAY):
        services.links_propose()
        client.force_login(story.users["home_focal_point"])
        page = client.get(reverse("reporting:link-list")).content.decode()
    assert story.records["partner_shared"].national_reference in page
    assert story.records["withholding_shared"].national_reference not in page  # not home's link


# Counting a venture once ------------------------------------------------------------------------


PERIOD = DashboardFilters(month_from=dt.date(2026, 6, 1), month_to=dt.date(2026, 10, 1))


def headline(dashboard) -> dict[str, int | None]:
    chart = next(c for c in dashboard.charts if c.key == "headline")
    return {row.label: row.values[0] for row in chart.rows}


def open_policy():
    current = ReciprocityPolicy.objects.current()
    ReciprocityPolicy.objects.create(version=current.version + 1, min_cell=1, min_contributors=1, reason="test")


def test_totals_count_a_confirmed_venture_once(story, client):
    link = home_partner_link(story)
    with frozen_at(DAY):
        open_policy()
        facts_rebuild_all()
        home_fp = story.users["home_focal_point"]
        before = headline(dashboard_get(user=home_fp, filters=PERIOD))
        assert before["Detections, a linked venture counted once"] == before["Detections"]
        assert before["Detections linked to another's record"] == 0
        decide(client, home_fp, link, "confirm")
        decide(client, story.users["partner_focal_point"], link, "confirm")
        for ret_id in ReturnOutbox.objects.values_list("ret_id", flat=True):
            facts_rebuild(return_id=ret_id)
        assert IncidentFact.objects.filter(ret_id=link.second.ret_id, linked_owner=link.first_participant_id).exists()
        caches["analytics"].clear()  # the frozen clock gives the rebuilt facts the same "as of"
        after = headline(dashboard_get(user=home_fp, filters=PERIOD))
        assert after["Detections"] == before["Detections"]
        assert after["Detections, a linked venture counted once"] == before["Detections"] - 1
        assert after["Detections linked to another's record"] == 1
        # A viewer that sums only one of the two records counts nothing twice, and removes nothing:
        # the lapsed participant's charts hold its own records only.
        lapsed = headline(dashboard_get(user=story.users["lapsed_analyst"], filters=PERIOD))
        assert lapsed["Detections linked to another's record"] in (0, None)
        # With the participant filter leaving the first record's owner out, nothing is removed.
        first_owner = link.first_participant_id
        other = link.second_participant_id
        only_second = replace(PERIOD, participant_ids=frozenset({other}))
        filtered = headline(dashboard_get(user=home_fp, filters=only_second))
        assert filtered["Detections linked to another's record"] == 0
        assert first_owner != other


def test_disclosure_control_applies_to_the_linked_figures(story, client):
    link = home_partner_link(story)
    with frozen_at(DAY):
        decide(client, story.users["home_focal_point"], link, "confirm")
        decide(client, story.users["partner_focal_point"], link, "confirm")
        facts_rebuild_all()
        # The secretariat reads no record: one linked detection is under the smallest cell shown.
        figures = headline(dashboard_get(user=story.users["secretariat"], filters=PERIOD))
        assert figures["Detections linked to another's record"] is None
        assert figures["Detections, a linked venture counted once"] is None


@pytest.mark.worker
def test_the_job_runs_on_a_real_worker(celery_worker):
    from reporting.tasks import links_propose_task

    story = factories.ReciprocityStory()
    result = links_propose_task.delay().get(timeout=60)
    # The worker read the committed records and wrote the links this process now sees.
    assert result == {"proposed": 2, "participant_pairs": result["participant_pairs"]}
    assert pairs(story) == {
        frozenset(("home_shared", "partner_shared")),
        frozenset(("partner_shared", "withholding_shared")),
    }
