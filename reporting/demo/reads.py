"""Reads of other participants' records, so the demo's "who read our data" pages have something to show.

Each participant's analyst and focal point read what the rule lets them read today
(`reciprocity.visible_incidents`): a page of the record list, a few records opened, and for the
analyst an export. Each read is logged by `reciprocity.record_access`, as the read paths log them,
dated in the last weeks and never before the records it read were last changed. A fixed number of
reads whatever the size of the data set: a few hundred events, written in one statement per read.
"""

import datetime as dt
import random

from accounts.models import Role, User
from reporting.models import AccessEvent
from reporting.reciprocity import record_access, visible_incidents

READ_DAYS = 28  # the reads are spread over the last four weeks
LIST_PAGE = 25  # records on a page of the record list
EXPORTED = 200  # records in an analyst's export
OPENED = 3  # records opened one by one


def demo_reads_create(*, rng: random.Random, now: dt.datetime) -> int:
    """Log the demo's reads; returns the number of access events written."""
    readers = (
        User.objects.filter(membership__role__in=[Role.ANALYST, Role.FOCAL_POINT])
        .select_related("membership__participant")
        .order_by("username")
    )
    written = 0
    for user in readers:
        rows = list(
            visible_incidents(user, on=now.date())
            .exclude(participant_id=user.participant_id)
            .order_by("-detection_date", "-id")
            .values("id", "participant_id", "updated_at")[:EXPORTED]
        )
        if not rows:  # not contributing, or nobody shares with it: it reads nothing
            continue
        reads = [(AccessEvent.Via.LIST, rows[:LIST_PAGE])]
        reads += [(AccessEvent.Via.DETAIL, [row]) for row in rng.sample(rows, min(OPENED, len(rows)))]
        if user.membership.role == Role.ANALYST:
            reads.append((AccessEvent.Via.EXPORT, rows))
        for via, read in reads:
            written += record_access(user=user, incidents=read, via=via, at=_read_at(rng, now, read))
    return written


def _read_at(rng: random.Random, now: dt.datetime, rows: list[dict]) -> dt.datetime:
    earliest = max(now - dt.timedelta(days=READ_DAYS), max(row["updated_at"] for row in rows))
    span = max((now - earliest).total_seconds(), 0)
    return earliest + dt.timedelta(seconds=int(rng.random() * span))
