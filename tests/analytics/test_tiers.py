"""The analytics tiers (issue 16): non-contributors see their own data only, or at most the
published tier where the policy allows it; contributors see the published tier too."""

import datetime as dt
import importlib

import pytest
from django.urls import reverse

from accounts.models import Participant, Role
from analytics.facts import DashboardFilters
from analytics.selectors import dashboard_get
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.models import ReciprocityPolicy
from reporting.reciprocity import aggregate_scope, reciprocity_sync
from tests import factories

pytestmark = pytest.mark.django_db

MONTH = factories.months_back(2)
PERIOD = DashboardFilters(month_from=factories.months_back(7), month_to=factories.months_back(1))


def contributing():
    owner = factories.participant()
    for n in range(1, 7):
        factories.return_for(owner, factories.months_back(n), submitted=True, nil=False)
    return owner


def record(owner, **fields):
    fields.setdefault("detection_date", MONTH + dt.timedelta(days=2))
    return factories.IncidentFactory(participant=owner, **fields)


def chart(dashboard, key):
    return next((c for c in dashboard.charts if c.key == key), None)


def policy_allowing_the_published_tier():
    current = ReciprocityPolicy.objects.current()
    return ReciprocityPolicy.objects.create(
        version=current.version + 1, non_contributors_see_aggregates=True, reason="Publish regional figures"
    )


@pytest.fixture
def region():
    """Four contributing owners with three shared land detections each, a lapsed and a suspended
    participant with one detection each."""
    owners = [contributing() for _ in range(4)]
    for owner in owners:
        for _ in range(3):
            record(owner, modes=[codes.Mode.LAND], categories=[codes.ConductCategory.MIGRANT_SMUGGLING])
    lapsed = factories.participant()
    suspended = factories.participant(status=Participant.Status.SUSPENDED)
    for viewer in (lapsed, suspended):
        factories.return_for(viewer, MONTH, submitted=True, nil=False)
        record(viewer, modes=[codes.Mode.LAND], categories=[codes.ConductCategory.MIGRANT_SMUGGLING])
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    return owners, lapsed, suspended


def test_the_initial_policy_keeps_non_contributors_to_their_own_data():
    from django.apps import apps

    assert ReciprocityPolicy().non_contributors_see_aggregates is False
    assert ReciprocityPolicy.objects.current().non_contributors_see_aggregates is False
    # The migration turns the untouched initial policy off, and leaves an edited one alone.
    migration = importlib.import_module("reporting.migrations.0027_non_contributors_see_no_aggregates")
    ReciprocityPolicy.objects.all().delete()
    initial = ReciprocityPolicy.objects.create(
        version=1, non_contributors_see_aggregates=True, reason=migration.INITIAL_REASON
    )
    migration.initial_policy_off(apps, None)
    initial.refresh_from_db()
    assert initial.non_contributors_see_aggregates is False
    initial.non_contributors_see_aggregates = True
    initial.save()
    ReciprocityPolicy.objects.create(version=2, non_contributors_see_aggregates=True, reason="Publish")
    migration.initial_policy_off(apps, None)
    assert ReciprocityPolicy.objects.filter(non_contributors_see_aggregates=True).count() == 2


def test_under_the_initial_policy_non_contributors_charts_draw_on_their_own_participant_only(region):
    owners, lapsed, suspended = region
    for viewer in (lapsed, suspended):
        analyst = factories.user(role=Role.ANALYST, participant=viewer)
        scope = aggregate_scope(analyst)
        assert scope.tier == "non_contributor" and scope.own_only and not scope.published
        assert scope.owner_ids == {viewer.pk}
        result = dashboard_get(user=analyst, filters=PERIOD)
        assert chart(result, "published") is None
        assert {c.participants for c in result.charts if c.key != "coverage"} <= {0, 1}
        land = next(r for r in chart(result, "modes").rows if r.label == str(codes.Mode.LAND.label))
        assert land.values == [1]  # its own detection, not the region's 13
        assert result.gain == (5 if viewer == suspended else 4)  # the active participants but itself


def test_where_the_policy_allows_it_an_active_non_contributor_gets_the_published_tier_only(region):
    owners, lapsed, suspended = region
    policy_allowing_the_published_tier()
    contributor = dashboard_get(user=factories.user(role=Role.ANALYST, participant=owners[0]), filters=PERIOD)
    outsider = dashboard_get(user=factories.user(role=Role.ANALYST, participant=lapsed), filters=PERIOD)
    barred = dashboard_get(user=factories.user(role=Role.ANALYST, participant=suspended), filters=PERIOD)
    # The same published figures for the contributor and the non-contributor: region totals by quarter.
    published = chart(outsider, "published")
    assert published is not None and published.rows == chart(contributor, "published").rows
    quarter = f"{MONTH.year} Q{(MONTH.month - 1) // 3 + 1}"
    row = next(r for r in published.rows if r.label == quarter)
    assert row.values == [13] and published.participants == 5
    # Nothing else of others: every other chart draws on its own participant only.
    assert {c.participants for c in outsider.charts if c.key not in ("coverage", "published")} <= {0, 1}
    assert chart(outsider, "modes").participants == 1 and chart(outsider, "modes").rows[0].values == [1]
    # Suspended and withdrawn participants never get the published tier.
    assert chart(barred, "published") is None
    assert not aggregate_scope(factories.user(role=Role.ANALYST, participant=suspended)).published


def test_the_standing_page_and_the_dashboard_say_what_contributing_would_open(client, region):
    owners, lapsed, _suspended = region
    client.force_login(factories.user(role=Role.ANALYST, participant=lapsed))
    standing = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "would read the shared records of 4 other participants" in standing
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    assert "draw on your own data only" in dashboard
    assert "would read the shared records of 4 other participants" in dashboard
    client.force_login(factories.user(role=Role.ANALYST, participant=owners[0]))
    assert "would read the shared records" not in client.get(reverse("analytics:dashboard")).content.decode()
