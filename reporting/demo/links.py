"""Demo ventures reported twice, by a transit state and by the destination state (docs/links.md).

After the records are loaded, some shared records of one participant whose route crosses another
participant's country get a twin among that transit participant's shared records of the same month
(one of its own records, rewritten: the demo keeps its number of records): detected a day or two
earlier, the same modes and route, with a count close to it. The proposal job then finds them (and any
look-alikes the draw made by chance); both focal points confirm most twins, one side only a few,
so the dashboards count them once and the focal points' pages have proposals to decide.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Exists, OuterRef

from accounts.models import Participant, Role, User
from reporting import reciprocity
from reporting.linking.models import IncidentLink
from reporting.linking.services import LOOKBACK_DAYS, link_decide, links_propose
from reporting.models import Incident, IncidentTransit

TWINS = 24  # ventures reported twice
# Twins of larger ventures: a record with many look-alikes is never proposed (linking.services).
TWIN_MIN_MIGRANTS = 30
WINDOW_RECORDS = 25_000
CONFIRMED_SHARE = 0.75  # of the twins' links, confirmed by both sides; the rest by the first side only


def demo_links_create(*, rng: random.Random, today: dt.date) -> int:
    """Make the twins, propose links, decide most twins' links; return the number of twins."""
    grants = reciprocity.desired_grants(on=today)
    by_country = {p.country: p for p in Participant.objects.active().exclude(country="")}
    # Within the proposal job's look-back (the job's nightly run would find them too), and at large
    # sizes within its last days holding about WINDOW_RECORDS records: the proposals' cost grows with
    # the records proposed over (docs/links.md, "Set-wise").
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    shareable = Incident.objects.filter(reciprocity.record_shared_q(on=today), detection_date__gte=since)
    in_lookback = shareable.count()
    if in_lookback > WINDOW_RECORDS:
        since = today - dt.timedelta(days=LOOKBACK_DAYS * WINDOW_RECORDS // in_lookback)
        shareable = shareable.filter(detection_date__gte=since)
    candidates = list(
        shareable.filter(Exists(IncidentTransit.objects.filter(incident=OuterRef("pk"), country__in=list(by_country))))
        .exclude(origin_country="")
        .exclude(destination_country="")
        .filter(migrants_total__gte=TWIN_MIN_MIGRANTS)
        .order_by("pk")
        .values_list(
            "pk",
            "participant_id",
            "ret__month",
            "detection_date",
            "modes",
            "migrants_total",
            "origin_country",
            "destination_country",
        )[:2000]  # fmt: skip
    )
    transits = dict(
        IncidentTransit.objects.filter(incident_id__in=[c[0] for c in candidates], sequence=1).values_list(
            "incident_id", "country"
        )
    )
    rng.shuffle(candidates)
    used: set[int] = set()
    twins: list[tuple[int, int]] = []
    for pk, owner, month, detected, modes, migrants, origin, destination in candidates:
        transit = by_country.get(transits.get(pk, ""))
        if transit is None or transit.pk == owner or (owner, transit.pk) not in grants:
            continue
        if (transit.pk, owner) not in grants:
            continue
        slack = max(1, migrants // 10)  # its own count, close (breakdown rows must stay within it)
        twin = (
            shareable.filter(
                participant=transit,
                ret__month=month,
                detection_date__lt=detected,
                migrants_total__range=(migrants - slack, migrants + slack),
            )
            .exclude(pk__in=used)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if twin is None:
            continue
        used.add(twin)
        earlier = max(month, detected - dt.timedelta(days=rng.randint(1, 2)))
        Incident.objects.filter(pk=twin).update(
            detection_date=earlier,
            modes=modes,
            origin_country=origin,
            destination_country=destination,
        )
        twins.append((twin, pk))
        if len(twins) >= TWINS:
            break
    links_propose(on=today, since=since)
    focal_points = {
        u.participant_id: u
        for u in User.objects.filter(membership__role=Role.FOCAL_POINT).select_related("membership").order_by("pk")
    }
    for n, (twin, pk) in enumerate(twins):
        link = IncidentLink.objects.filter(first_id__in=(twin, pk), second_id__in=(twin, pk)).first()
        if link is None:
            continue
        link_decide(user=focal_points[link.first_participant_id], link=link, confirm=True)
        if n < len(twins) * CONFIRMED_SHARE:
            link_decide(user=focal_points[link.second_participant_id], link=link, confirm=True)
    return len(twins)
