"""The demo data at default filters (issue 16, "Done when"): a contributing analyst's charts have
at most 2% withheld cells; lapsed and suspended analysts' charts draw on their own participant only;
and the lapsed participant, once contributing, loses no figure."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command

from accounts.models import Participant, User
from analytics.facts import default_filters
from analytics.selectors import dashboard_get
from analytics.services import facts_rebuild_all
from reporting.models import Return
from reporting.reciprocity import aggregate_scope, reciprocity_sync
from tests.analytics.test_monotonicity import assert_no_figure_lost, figures

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 14, 9, tzinfo=dt.UTC)


@pytest.fixture
def demo():
    with time_machine.travel(NOW, tick=False):
        caches["analytics"].clear()
        call_command("seed_demo", incidents=400, stdout=io.StringIO())
        yield


def withheld_share(dashboard) -> tuple[int, int]:
    """Null cells that are withheld figures (not months or periods before anyone reported)."""
    cells = [
        (v, text)
        for c in dashboard.charts
        if c.key != "coverage"
        for r in c.rows
        for v, text in zip(r.values, r.labels, strict=True)
    ]
    return sum(v is None and text != "not reporting" for v, text in cells), len(cells)


def test_contributors_see_nearly_every_cell_and_non_contributors_their_own_only(demo):
    filters = default_filters()
    for name in ("aus-analyst", "nzl-analyst"):
        analyst = User.objects.get(username=name)
        dashboard = dashboard_get(user=analyst, filters=filters)
        assert dashboard.scope.tier == "contributor"
        nulls, cells = withheld_share(dashboard)
        assert cells > 300 and nulls <= 0.02 * cells, (name, nulls, cells)
        assert max(c.participants for c in dashboard.charts if c.key != "coverage") > 10
    for name, status in (("ind-analyst", Participant.Status.ACTIVE), ("mmr-analyst", Participant.Status.SUSPENDED)):
        analyst = User.objects.get(username=name)
        assert analyst.participant.status == status
        dashboard = dashboard_get(user=analyst, filters=filters)
        assert dashboard.scope.tier == "non_contributor" and not dashboard.scope.published
        assert "published" not in {c.key for c in dashboard.charts}
        assert {c.participants for c in dashboard.charts if c.key != "coverage"} <= {0, 1}
        assert dashboard.gain > 10
        # Months after it stopped submitting are "not reporting", never a false zero.
        series = next(c for c in dashboard.charts if c.key == "series")
        last = [r for r in series.rows if not r.is_total][-1]
        assert set(last.labels) == {"not reporting"} and set(last.values) == {None}
        assert last.label in series.extra["not_reporting"]
        assert all(c["value"] is None and c["qoq"] is None for c in series.extra["change"])  # no "-100 %"


def test_the_lapsed_participant_loses_no_figure_by_contributing_again(demo):
    analyst = User.objects.get(username="ind-analyst")
    filters = default_filters()
    before = figures(dashboard_get(user=analyst, filters=filters))
    last = filters.month_to
    for n in range(6):
        month = (last.replace(day=1) - dt.timedelta(days=28 * n)).replace(day=1)
        ret, _created = Return.objects.get_or_create(participant=analyst.participant, month=month)
        Return.objects.filter(pk=ret.pk).update(status=Return.Status.SUBMITTED, submitted_at=NOW)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    assert aggregate_scope(analyst).tier == "contributor"
    after = figures(dashboard_get(user=analyst, filters=filters))
    assert assert_no_figure_lost(before, after) > 50
