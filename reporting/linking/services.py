"""Writes of linked incidents: the proposals (set-wise SQL) and each side's decision."""

# ruff: noqa: S608 - the SQL below names only our own tables; values go as parameters

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from reporting import reciprocity
from reporting.linking.models import IncidentLink
from reporting.models import Incident
from reporting.services.outbox import return_mark_dirty

# What "plausibly the same venture" means (docs/links.md, "Proposals").
WINDOW_DAYS = 3  # detections at most this many days apart
LOOKBACK_DAYS = 120  # the periodic job looks at records detected since then
COUNT_SLACK = 1  # migrant counts may differ by this many persons...
COUNT_SHARE = 0.1  # ...or by this share of the larger count
ROUTE = ("origin_country", "destination_country")


class LinkError(Exception):
    """A decision that cannot be taken, with the reason in the focal point's words."""


@dataclass(frozen=True)
class ProposeResult:
    proposed: int
    participant_pairs: int


def _mutual_pairs(*, on: dt.date) -> list[tuple[int, int]]:
    """(p, q), p < q: participants each of which reads the other's shared records today (the rule's
    answer, `reciprocity.desired_grants`), so each side's focal point may read the other's record."""
    grants = reciprocity.desired_grants(on=on)
    return sorted((p, q) for p, q in grants if p < q and (q, p) in grants)


def links_propose(*, on: dt.date | None = None, since: dt.date | None = None) -> ProposeResult:
    """Propose links between records of two participants that may describe the same venture.

    One INSERT … SELECT: the candidates are the records each owner shares record by record
    (`reciprocity.record_shared_q`, the rule's record condition) of participants reading each other
    (`_mutual_pairs`); two candidates of a pair match when detected at most WINDOW_DAYS apart,
    with a mode in common, migrant counts close, the same origin and destination or a transit
    country in common, and each participant's country on the other's route (origin, transit or
    destination) one way or the other. Pairs already proposed (or rejected) are left as they are.
    """
    on = on or timezone.localdate()
    since = since or on - dt.timedelta(days=LOOKBACK_DAYS)
    pairs = _mutual_pairs(on=on)
    if not pairs:
        return ProposeResult(0, 0)
    owners = sorted({p for pair in pairs for p in pair})
    candidates = (
        Incident.objects.filter(
            reciprocity.record_shared_q(on=on), participant_id__in=owners, detection_date__gte=since
        )
        .values("id", "participant_id", "detection_date", "modes", "migrants_total", *ROUTE)
        .order_by()
    )
    cand_sql, cand_params = candidates.query.sql_with_params()
    sql = f"""
    WITH listed AS MATERIALIZED ({cand_sql}),
    cand AS MATERIALIZED (
        SELECT c.*, p.country AS owner_country, (c.detection_date - DATE '2000-01-01') / %s AS bucket,
               ARRAY(SELECT t.country FROM reporting_incidenttransit t WHERE t.incident_id = c.id)::text[] AS transits
          FROM listed c JOIN accounts_participant p ON p.id = c.participant_id),
    pairs AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, q)),
    transit AS MATERIALIZED (
        SELECT c.id, c.participant_id, c.detection_date, c.bucket, unnest(c.transits) AS country FROM cand c),
    -- Records at most WINDOW_DAYS apart lie in the same or neighbouring buckets of WINDOW_DAYS + 1
    -- days: each side's key is matched exactly (hashed), never every record against every other.
    matched AS MATERIALIZED (
        SELECT a.id AS a, b.id AS b FROM cand a CROSS JOIN generate_series(-1, 1) AS k(step) JOIN cand b
            ON b.origin_country = a.origin_country AND b.destination_country = a.destination_country
           AND b.bucket = a.bucket + k.step
         WHERE a.origin_country <> '' AND a.destination_country <> ''
           AND a.participant_id < b.participant_id AND abs(b.detection_date - a.detection_date) <= %s
        UNION
        SELECT ta.id, tb.id FROM transit ta CROSS JOIN generate_series(-1, 1) AS k(step) JOIN transit tb
            ON tb.country = ta.country AND tb.bucket = ta.bucket + k.step
         WHERE ta.participant_id < tb.participant_id AND abs(tb.detection_date - ta.detection_date) <= %s)
    INSERT INTO {IncidentLink._meta.db_table}
        (first_id, second_id, first_participant_id, second_participant_id, status, first_decision,
         second_decision, days_apart, same_route, shared_transit, proposed_at)
    SELECT CASE WHEN o.a_first THEN a.id ELSE b.id END, CASE WHEN o.a_first THEN b.id ELSE a.id END,
           CASE WHEN o.a_first THEN a.participant_id ELSE b.participant_id END,
           CASE WHEN o.a_first THEN b.participant_id ELSE a.participant_id END, %s, %s, %s,
           abs(b.detection_date - a.detection_date),
           a.origin_country <> '' AND a.origin_country = b.origin_country
               AND a.destination_country <> '' AND a.destination_country = b.destination_country,
           a.transits && b.transits, %s
      FROM matched m JOIN cand a ON a.id = m.a JOIN cand b ON b.id = m.b
      JOIN pairs ON pairs.p = a.participant_id AND pairs.q = b.participant_id
      CROSS JOIN LATERAL (SELECT (a.detection_date, a.id) < (b.detection_date, b.id) AS a_first) o
     WHERE a.modes ?| ARRAY(SELECT jsonb_array_elements_text(b.modes))
       AND abs(a.migrants_total - b.migrants_total)
           <= greatest(%s, ceil(%s * greatest(a.migrants_total, b.migrants_total)))
       AND (b.owner_country IN (a.origin_country, a.destination_country) OR b.owner_country = ANY(a.transits)
            OR a.owner_country IN (b.origin_country, b.destination_country) OR a.owner_country = ANY(b.transits))
    ON CONFLICT (first_id, second_id) DO NOTHING
    RETURNING id
    """
    pending = IncidentLink.Decision.PENDING.value
    params = [
        *cand_params,
        WINDOW_DAYS + 1,
        [p for p, _q in pairs],
        [q for _p, q in pairs],
        WINDOW_DAYS,
        WINDOW_DAYS,
        IncidentLink.Status.PROPOSED.value,
        pending,
        pending,
        timezone.now(),
        COUNT_SLACK,
        COUNT_SHARE,
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        # The proposal is the first version of each link's history.
        IncidentLink.history.bulk_history_create(
            list(IncidentLink.objects.filter(pk__in=ids)), default_change_reason="proposed"
        )
    return ProposeResult(len(ids), len(pairs))


@transaction.atomic
def link_decide(*, user: User, link: IncidentLink, confirm: bool) -> IncidentLink:
    """Record the user's participant's decision on a link it may read (`selectors.link_get_for`).

    Confirmed when both sides confirm, rejected when either rejects. A confirmation or a withdrawn
    confirmation changes regional totals: the second record's return is marked for a facts rebuild.
    """
    link = IncidentLink.objects.select_for_update().get(pk=link.pk)
    side = link.side_of(user.participant_id)
    if side is None:  # selectors only hand out links of the user's participant
        raise LinkError(_("This link is not between a record of your participant and another."))
    if link.status == IncidentLink.Status.REJECTED:
        raise LinkError(_("This link was rejected; it can no longer be decided."))
    decision = IncidentLink.Decision.CONFIRMED if confirm else IncidentLink.Decision.REJECTED
    was_confirmed = link.status == IncidentLink.Status.CONFIRMED
    setattr(link, f"{side}_decision", decision)
    setattr(link, f"{side}_decided_by", user)
    if IncidentLink.Decision.REJECTED in (link.first_decision, link.second_decision):
        link.status = IncidentLink.Status.REJECTED
    elif link.first_decision == link.second_decision == IncidentLink.Decision.CONFIRMED:
        link.status = IncidentLink.Status.CONFIRMED
    link.decided_at = timezone.now()
    link._history_user = user
    link.save()
    if was_confirmed != (link.status == IncidentLink.Status.CONFIRMED):
        return_mark_dirty(ret_id=Incident.objects.values_list("ret_id", flat=True).get(pk=link.second_id))
    return link
