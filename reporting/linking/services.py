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
MAX_LOOKALIKES = 3  # a record matching more of the other participant's records is not proposed
ROUTE = ("origin_country", "destination_country")
# A count's size, floor(ln(count + SLACK / SHARE) / ln(1 / (1 - SHARE))): two counts close as above
# (|a - b| <= max(SLACK, ceil(SHARE * max))) have sizes at most one apart, so a proposal meets only
# records of the same or a neighbouring size (the base a hair wider, against rounding). The condition
# itself is checked on the pair.
SIZE_KEY = (COUNT_SLACK / COUNT_SHARE, 1.01 / (1 - COUNT_SHARE))


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
    # The candidates go to a temporary table with its statistics and a unique id: over CTEs the
    # planner guessed the matches' sizes and compared every candidate with every other.
    candidates_sql = f"""
    CREATE TEMPORARY TABLE link_candidate ON COMMIT DROP AS
    SELECT c.*, floor(ln(c.migrants_total + %s) / ln(%s))::int AS size,
           ARRAY(SELECT t.country FROM reporting_incidenttransit t WHERE t.incident_id = c.id)::text[] AS transits
      FROM ({cand_sql}) c
    """
    sql = f"""
    WITH pairs AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, q)),
    readers AS (SELECT p, q FROM pairs UNION ALL SELECT q, p FROM pairs),
    -- Each record with each participant whose country its route crosses (origin, transit or
    -- destination) and that reads its owner and is read by it: only that one's records can match it.
    reach AS MATERIALIZED (
        SELECT c.*, o.id AS other
          FROM link_candidate c JOIN accounts_participant o
            ON o.country <> ''
           AND (o.country IN (c.origin_country, c.destination_country) OR o.country = ANY(c.transits))
          JOIN readers ON readers.p = c.participant_id AND readers.q = o.id),
    -- Each record by mode, and by mode and transit country: the keys it is met by.
    by_mode AS MATERIALIZED (
        SELECT c.id, c.participant_id, c.detection_date, c.size, c.migrants_total, c.origin_country,
               c.destination_country, jsonb_array_elements_text(c.modes) AS mode
          FROM link_candidate c),
    by_transit AS MATERIALIZED (
        SELECT m.id, m.participant_id, m.detection_date, m.size, m.migrants_total, m.mode,
               unnest(c.transits) AS via
          FROM by_mode m JOIN link_candidate c ON c.id = m.id),
    -- A record meets the other participant's records by exact keys, hashed (never every record
    -- against every other): each day at most WINDOW_DAYS away, a mode, the same or a neighbouring
    -- size (close counts differ by at most one), and the same route or a transit country.
    probe AS MATERIALIZED (
        SELECT r.id, r.participant_id, r.other, r.migrants_total, r.origin_country, r.destination_country,
               r.transits, r.detection_date + d.step AS day, r.size + z.step AS size, m.mode
          FROM reach r CROSS JOIN LATERAL jsonb_array_elements_text(r.modes) AS m(mode)
         CROSS JOIN generate_series(-%s, %s) AS d(step) CROSS JOIN generate_series(-1, 1) AS z(step)),
    matched AS (
        SELECT p.id AS one, p.participant_id AS one_owner, p.migrants_total AS one_total,
               b.id AS two, p.other AS two_owner, b.migrants_total AS two_total
          FROM probe p JOIN by_mode b
            ON b.participant_id = p.other AND b.detection_date = p.day AND b.size = p.size AND b.mode = p.mode
           AND b.origin_country = p.origin_country AND b.destination_country = p.destination_country
         WHERE p.origin_country <> '' AND p.destination_country <> ''
        UNION ALL
        SELECT p.id, p.participant_id, p.migrants_total, b.id, p.other, b.migrants_total
          FROM probe p CROSS JOIN LATERAL unnest(p.transits) AS t(via) JOIN by_transit b
            ON b.participant_id = p.other AND b.detection_date = p.day AND b.size = p.size AND b.mode = p.mode
           AND b.via = t.via),
    -- Each pair of close counts once (found from either side, by either key), the lower
    -- participant's record as `a`.
    paired AS MATERIALIZED (
        SELECT DISTINCT
               CASE WHEN one_owner < two_owner THEN one ELSE two END AS a,
               least(one_owner, two_owner) AS a_owner,
               CASE WHEN one_owner < two_owner THEN two ELSE one END AS b,
               greatest(one_owner, two_owner) AS b_owner
          FROM matched
         WHERE abs(one_total - two_total) <= greatest(%s, ceil(%s * greatest(one_total, two_total)))),
    -- A record that matches more than MAX_LOOKALIKES records of the other participant is ambiguous:
    -- no proposal could say which of them is its venture.
    found AS MATERIALIZED (
        SELECT a, b FROM (
            SELECT a, b, count(*) OVER (PARTITION BY a, b_owner) AS of_a,
                   count(*) OVER (PARTITION BY b, a_owner) AS of_b
              FROM paired) p
         WHERE of_a <= %s AND of_b <= %s)
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
      FROM found f JOIN link_candidate a ON a.id = f.a JOIN link_candidate b ON b.id = f.b
      CROSS JOIN LATERAL (SELECT (a.detection_date, a.id) < (b.detection_date, b.id) AS a_first) o
    ON CONFLICT (first_id, second_id) DO NOTHING
    RETURNING id
    """
    pending = IncidentLink.Decision.PENDING.value
    params = [
        [p for p, _q in pairs],
        [q for _p, q in pairs],
        WINDOW_DAYS,
        WINDOW_DAYS,
        COUNT_SLACK,
        COUNT_SHARE,
        MAX_LOOKALIKES,
        MAX_LOOKALIKES,
        IncidentLink.Status.PROPOSED.value,
        pending,
        pending,
        timezone.now(),
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(candidates_sql, [*SIZE_KEY, *cand_params])
            cursor.execute("CREATE UNIQUE INDEX ON link_candidate (id)")
            cursor.execute("ANALYZE link_candidate")
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute("DROP TABLE link_candidate")
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
