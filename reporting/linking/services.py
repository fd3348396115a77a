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
WINDOW_DAYS = 7  # detections at most this many days apart
LOOKBACK_DAYS = 120  # the periodic job looks at records detected since then
COUNT_SLACK = 2  # migrant counts may differ by this many persons...
COUNT_SHARE = 0.2  # ...or by this share of the larger count
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
    (`Incident.shareable_q`, the rule's record condition) of participants reading each other
    (`_mutual_pairs`); two candidates of a pair match when detected at most WINDOW_DAYS apart,
    with a mode in common, migrant counts close, and the same origin and destination or a transit
    country in common. Pairs already proposed (or rejected) are left as they are.
    """
    on = on or timezone.localdate()
    since = since or on - dt.timedelta(days=LOOKBACK_DAYS)
    pairs = _mutual_pairs(on=on)
    if not pairs:
        return ProposeResult(0, 0)
    owners = sorted({p for pair in pairs for p in pair})
    candidates = (
        Incident.objects.filter(Incident.shareable_q(on), participant_id__in=owners, detection_date__gte=since)
        .values("id", "participant_id", "detection_date", "modes", "migrants_total", *ROUTE)
        .order_by()
    )
    cand_sql, cand_params = candidates.query.sql_with_params()
    sql = f"""
    WITH cand AS MATERIALIZED ({cand_sql}),
    pairs AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, q)),
    transit AS MATERIALIZED (
        SELECT DISTINCT t.incident_id AS id, t.country
          FROM reporting_incidenttransit t JOIN cand c ON c.id = t.incident_id),
    matched AS (
        SELECT a.id AS a, b.id AS b, TRUE AS same_route FROM cand a JOIN cand b
            ON a.origin_country = b.origin_country AND a.destination_country = b.destination_country
         WHERE a.origin_country <> '' AND a.destination_country <> ''
           AND a.participant_id < b.participant_id
           AND b.detection_date BETWEEN a.detection_date - %s AND a.detection_date + %s
        UNION
        SELECT a.id, b.id, FALSE FROM cand a JOIN transit ta ON ta.id = a.id
          JOIN transit tb ON tb.country = ta.country JOIN cand b ON b.id = tb.id
         WHERE a.participant_id < b.participant_id
           AND b.detection_date BETWEEN a.detection_date - %s AND a.detection_date + %s),
    scored AS (
        SELECT m.a, m.b, bool_or(m.same_route) AS same_route,
               EXISTS (SELECT 1 FROM transit ta JOIN transit tb ON tb.country = ta.country
                        WHERE ta.id = m.a AND tb.id = m.b) AS shared_transit
          FROM matched m GROUP BY m.a, m.b)
    INSERT INTO {IncidentLink._meta.db_table}
        (first_id, second_id, first_participant_id, second_participant_id, status, first_decision,
         second_decision, days_apart, same_route, shared_transit, proposed_at)
    SELECT f.id, s.id, f.participant_id, s.participant_id, %s, %s, %s,
           abs(s.detection_date - f.detection_date), sc.same_route, sc.shared_transit, %s
      FROM scored sc JOIN cand a ON a.id = sc.a JOIN cand b ON b.id = sc.b
      JOIN pairs ON pairs.p = a.participant_id AND pairs.q = b.participant_id
      CROSS JOIN LATERAL (SELECT CASE WHEN (a.detection_date, a.id) < (b.detection_date, b.id)
                                      THEN a.id ELSE b.id END AS first_id) o
      JOIN cand f ON f.id = o.first_id
      JOIN cand s ON s.id = CASE WHEN o.first_id = a.id THEN b.id ELSE a.id END
     WHERE a.modes ?| ARRAY(SELECT jsonb_array_elements_text(b.modes))
       AND abs(a.migrants_total - b.migrants_total)
           <= greatest(%s, ceil(%s * greatest(a.migrants_total, b.migrants_total)))
    ON CONFLICT (first_id, second_id) DO NOTHING
    RETURNING id
    """
    pending = IncidentLink.Decision.PENDING.value
    params = [
        *cand_params,
        [p for p, _q in pairs],
        [q for _p, q in pairs],
        WINDOW_DAYS,
        WINDOW_DAYS,
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
