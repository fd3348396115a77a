"""The policy preview on the demo data (issue #8, "Done when"): the participants it says would gain or
lose access, and the grants it says would be added or removed, are those an independent count of the
demo's returns gives. The count below is the test's own reading of the rule (docs/reciprocity.md), written from
the Return rows; the page itself asks reporting/reciprocity.py."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Participant, Role
from reporting.compliance import policy_preview
from reporting.demo import demo_seed
from reporting.models import ReciprocityPolicy, Return, SharingExclusion
from reporting.reciprocity import month_add
from tests import factories

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "min_returns": 3,
    "window_months": 6,
    "grace_days": 90,
    "non_contributors_see_aggregates": True,
    "min_cell": 5,
    "min_contributors": 3,
}


@pytest.fixture
def demo():
    ReciprocityPolicy.objects.get_or_create(version=1)
    demo_seed(seed=42, incidents=400)
    return {p.code: p for p in Participant.objects.all()}


def contributing_by_count(*, min_returns: int, window_months: int, grace_days: int, **_ignored) -> set[str]:
    """Codes of the participants contributing today, counted from the Return rows."""
    today = timezone.localdate()
    last = month_add(today.replace(day=1), -1)
    first = month_add(last, -(window_months - 1))
    end_of_today = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    result = set()
    for p in Participant.objects.filter(status=Participant.Status.ACTIVE):
        submitted = Return.objects.filter(
            participant=p,
            status=Return.Status.SUBMITTED,
            month__gte=first,
            month__lte=last,
            submitted_at__lt=end_of_today,
        ).count()
        in_grace = p.joined_on is not None and today < p.joined_on + dt.timedelta(days=grace_days)
        if submitted >= min_returns or in_grace:
            result.add(p.code)
    return result


def grants_by_count(contributing: set[str]) -> set[tuple[str, str]]:
    """(owner, reader) pairs: an active owner, a contributing reader, not withheld."""
    active = set(Participant.objects.filter(status=Participant.Status.ACTIVE).values_list("code", flat=True))
    withheld = set(SharingExclusion.objects.values_list("owner__code", "partner__code"))
    return {(o, v) for o in active for v in contributing if o != v and (o, v) not in withheld}


def codes_of(pairs, by_pk) -> set[tuple[str, str]]:
    return {(by_pk[o].code, by_pk[v].code) for o, v in pairs}


@pytest.mark.parametrize(
    "change",
    [
        {"min_returns": 5},  # stricter: the demo's participants with three or four returns lose access
        {"window_months": 12},  # a longer memory: the lapsed participant's older returns count again
        {"min_returns": 2, "window_months": 3},
        {"grace_days": 0},
    ],
    ids=["five-of-six", "three-of-twelve", "two-of-three", "no-grace"],
)
def test_preview_on_the_demo_data_names_who_gains_and_loses(demo, change):
    proposed = {**DEFAULTS, **change}
    before = contributing_by_count(**DEFAULTS)
    after = contributing_by_count(**proposed)

    preview = policy_preview(proposed=ReciprocityPolicy(version=2, **proposed))

    assert {c.participant.code for c in preview.gain} == after - before
    assert {c.participant.code for c in preview.lose} == before - after
    by_pk = {p.pk: p for p in demo.values()}
    assert codes_of(preview.grants_added, by_pk) == grants_by_count(after) - grants_by_count(before)
    assert codes_of(preview.grants_removed, by_pk) == grants_by_count(before) - grants_by_count(after)
    assert preview.grants_after == len(grants_by_count(after))
    assert ReciprocityPolicy.objects.count() == 1  # a preview saves nothing


def test_the_demo_has_gains_and_losses_to_show(demo):
    """The demo is built so that the preview has something to say both ways (the cases above are not
    all empty): the lapsed participant (IND) gains with a twelve-month window, and the suspended one
    (MMR) and the invited one (AFG) never gain, whatever the numbers."""
    stricter = policy_preview(proposed=ReciprocityPolicy(version=2, **{**DEFAULTS, "min_returns": 5}))
    longer = policy_preview(proposed=ReciprocityPolicy(version=2, **{**DEFAULTS, "window_months": 12}))
    loosest = policy_preview(proposed=ReciprocityPolicy(version=2, **{**DEFAULTS, "min_returns": 0}))
    assert stricter.lose and not stricter.gain
    assert "IND" in {c.participant.code for c in longer.gain}
    assert not {"MMR", "AFG"} & {c.participant.code for c in loosest.gain}
    # Whoever loses access stops reading its partners; its own data stays readable by them.
    losers = {c.participant.pk for c in stricter.lose}
    assert {v for _o, v in stricter.grants_removed} == losers
    reads_now = grants_by_count(contributing_by_count(**DEFAULTS))
    for change in stricter.lose:
        assert change.reads_after == 0
        assert change.reads_before == sum(1 for _o, v in reads_now if v == change.participant.code) > 0
    assert all(c.reads_after > c.reads_before == 0 for c in longer.gain)


def test_the_policy_page_lists_them_on_the_demo_data(client, demo):
    client.force_login(factories.user(role=Role.SECRETARIAT))
    after = contributing_by_count(**{**DEFAULTS, "min_returns": 5})
    losers = contributing_by_count(**DEFAULTS) - after
    response = client.post(
        reverse("reporting:console-policy"),
        {**DEFAULTS, "min_returns": 5, "non_contributors_see_aggregates": "on", "reason": "Stricter"}
        | {"action": "preview"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    lose_list = page.split('class="lose"')[1].split("</ul>")[0]
    for code in losers:
        assert demo[code].name in lose_list
    assert f"{len(losers)} participants would lose access" in page
    assert "0 participants would gain access" in page
