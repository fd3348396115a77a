"""Writes that change who may read whom: policy versions and per-pair exclusions.

Each one re-runs the reciprocity sync after commit.
"""

from django.db import transaction

from accounts.models import Participant, User
from reporting.models import ReciprocityPolicy, SharingExclusion

POLICY_FIELDS = (
    "min_returns",
    "window_months",
    "grace_days",
    "non_contributors_see_aggregates",
    "min_cell",
    "min_contributors",
    "secretariat_reads_records",
)


def reciprocity_sync_after_commit(*, trigger: str) -> None:
    """Queue the sync once the current transaction commits (a broker outage is caught by the daily
    sync and the nightly drift check; the change itself is already saved)."""
    from reporting.tasks import reciprocity_sync_enqueue

    transaction.on_commit(lambda: reciprocity_sync_enqueue(trigger=trigger))


@transaction.atomic
def policy_create(*, created_by: User | None, reason: str, **parameters) -> ReciprocityPolicy:
    """A new policy version: unchanged parameters are carried over from the one in force."""
    unknown = set(parameters) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy parameters: {sorted(unknown)}")
    current = ReciprocityPolicy.objects.select_for_update().order_by("-version").first()
    values = {name: getattr(current, name) for name in POLICY_FIELDS} if current else {}
    values.update(parameters)
    policy = ReciprocityPolicy(
        version=(current.version + 1) if current else 1, reason=reason, created_by=created_by, **values
    )
    policy.full_clean()
    policy.save()
    reciprocity_sync_after_commit(trigger=f"policy v{policy.version}")
    return policy


@transaction.atomic
def exclusion_set(
    *, owner: Participant, partner: Participant, excluded: bool, changed_by: User | None, reason: str = ""
) -> None:
    """The owner withholds (excluded=True) or stops withholding its data from one partner."""
    if excluded:
        exclusion = SharingExclusion(owner=owner, partner=partner, reason=reason, created_by=changed_by)
        exclusion.full_clean(validate_unique=False)
        SharingExclusion.objects.get_or_create(
            owner=owner, partner=partner, defaults={"reason": reason, "created_by": changed_by}
        )
    else:
        SharingExclusion.objects.filter(owner=owner, partner=partner).delete()
    reciprocity_sync_after_commit(trigger=f"exclusion {owner.code}→{partner.code}")
