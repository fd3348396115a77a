"""Reads of the analytics app: dashboard figures from the fact tables, within the reciprocity rule.

Every figure sums only the fact rows `reporting.reciprocity.aggregate_scope(user)` allows (own rows
in full; others' rows as `reporting.reciprocity.record_summed_q` lets them), and goes through
`analytics.disclosure.protect` before anyone sees it. Record-level reads (drill-down, narratives)
go through `reporting.reciprocity.visible_incidents`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import User
from analytics.charts import Chart, coverage_chart, fact_charts
from analytics.context import chart_footnotes, footnote_months
from analytics.disclosure import Limits
from analytics.facts import CACHE_SECONDS, DashboardFilters, FactReader, analytics_cache, cache_key, facts_versions
from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown, ReturnOutbox
from reporting.reciprocity import AggregateScope, aggregate_scope, contribution_gain, visible_incidents


@dataclass
class Dashboard:
    scope: AggregateScope
    filters: DashboardFilters
    charts: list[Chart]
    as_of: dt.datetime | None
    pending: int
    limits: Limits
    cache_key: str = ""  # changes whenever any chart would; the page caches its rendered charts on it
    choices_key: str = ""  # changes whenever the filter form's participant choices would
    gain: int = 0  # for a non-contributor: how many participants' shared records contributing would open


def _scope_signature(scope: AggregateScope) -> tuple:
    return (
        scope.tier,
        scope.own_participant_id,
        tuple(sorted(scope.record_owner_ids)),
        tuple(sorted(scope.aggregate_owner_ids)),
        tuple(sorted(scope.published_owner_ids)),
        scope.published,
        scope.disclosure_control,
        scope.min_cell,
        scope.min_contributors,
        scope.policy_version,
    )


def dashboard_get(*, user: User, filters: DashboardFilters, on: dt.date | None = None) -> Dashboard:
    """Every chart of the regional dashboard for this viewer and these filters.

    The fact charts are cached per (scope, filters, day, language, facts versions of the owners in
    scope): viewers with the same scope share them, and any rebuild of an owner's facts, any change
    of the scope (a lapse, an exclusion, a policy version) or a new day makes a new key. Cached with
    them: the (participant, month) pairs each chart's footnotes cover. The coverage grid, "data as
    of", the pending count and the notes and profiles of the footnotes are read live.
    """
    on = on or timezone.localdate()
    scope = aggregate_scope(user, on=on)
    versions, built = facts_versions(filters)
    reader = FactReader(scope, filters, on, versions)
    key = cache_key(
        "dashboard",
        get_language(),
        _scope_signature(scope),
        sorted(filters.query().items()),
        on,
        sorted((owner, versions.get(owner)) for owner in scope.owner_ids),
    )
    cached = analytics_cache().get(key)
    if cached is None:
        charts = fact_charts(reader)
        cached = (charts, footnote_months(reader=reader, charts=charts))
        analytics_cache().set(key, cached, CACHE_SECONDS)
    charts, months = cached
    charts = [charts[0], coverage_chart(filters=filters), *charts[1:]]
    owners = scope.owner_ids & reader.selected
    as_of = max((built[o] for o in owners if o in built), default=None)
    pending = ReturnOutbox.objects.filter(
        ret__participant_id__in=owners, ret__month__gte=filters.month_from, ret__month__lte=filters.month_to
    ).count()
    coverage = charts[1]
    # Footnotes are read live (a note written now shows now), and the rendered charts vary with them.
    footnotes = chart_footnotes(months)
    for chart in charts:
        chart.footnotes = footnotes.get(chart.key, [])
    rendered = cache_key(
        key, as_of, [(r.label, r.labels) for r in coverage.rows], coverage.columns, sorted(footnotes.items())
    )
    # The filter form's participant choices are the active ones of the coverage grid's participants.
    choices = cache_key(coverage.extra["participants"])
    gain = contribution_gain(scope.own_participant_id) if scope.own_only else 0
    return Dashboard(scope, filters, charts, as_of, pending, reader.limits, rendered, choices, gain)


def chart_get(*, user: User, filters: DashboardFilters, key: str) -> Chart | None:
    """One chart of the dashboard (exports), computed under the same rules."""
    return next((c for c in dashboard_get(user=user, filters=filters).charts if c.key == key), None)


# Record level: drill-down and narratives ---------------------------------------------------------


def drill_incidents(
    *, user: User, filters: DashboardFilters, drill: dict[str, str] | None = None, participant_id: int | None = None
) -> QuerySet[Incident]:
    """The records behind a figure that the viewer may read one by one (visible_incidents).

    `drill` narrows to the clicked figure: context, role, abuse ("any": at least one), citizenship
    (of `group`), transit (the first transit country, as in the Sankey), direct (no transit country:
    a Sankey link from origin straight to destination), origin_unknown / destination_unknown (a
    route end not reported), document_type / fraud_type / issuer, and q: words in the narrative
    (the narrative browser)."""
    drill = drill or {}
    records = visible_incidents(user).filter(
        status=Incident.Status.VALIDATED,
        ret__month__gte=filters.month_from,
        ret__month__lte=filters.month_to,
    )
    if filters.participant_ids:
        records = records.filter(participant_id__in=filters.participant_ids)
    if participant_id:
        records = records.filter(participant_id=participant_id)
    if filters.category:
        records = records.with_code("categories", filters.category)
    if filters.mode:
        records = records.with_code("modes", filters.mode)
    if filters.origin:
        records = records.filter(origin_country=filters.origin)
    if filters.destination:
        records = records.filter(destination_country=filters.destination)
    if drill.get("context"):
        records = records.filter(detection_context=drill["context"])
    if drill.get("role"):
        records = records.with_code("smuggler_roles", drill["role"])
    if drill.get("abuse") == "any":
        records = records.exclude(abuses=[])
    elif drill.get("abuse"):
        records = records.with_code("abuses", drill["abuse"])
    if drill.get("citizenship"):
        people = PersonBreakdown.objects.filter(incident=OuterRef("pk"), citizenship=drill["citizenship"])
        if drill.get("group"):
            people = people.filter(group=drill["group"])
        records = records.filter(Exists(people))
    if drill.get("transit"):
        first = IncidentTransit.objects.filter(incident=OuterRef("pk")).order_by("sequence").values("country")[:1]
        records = records.annotate(first_transit=Subquery(first)).filter(first_transit=drill["transit"])
    if drill.get("direct"):
        records = records.exclude(Exists(IncidentTransit.objects.filter(incident=OuterRef("pk"))))
    if drill.get("origin_unknown"):
        records = records.filter(origin_country="")
    if drill.get("destination_unknown"):
        records = records.filter(destination_country="")
    if drill.get("q"):
        records = records.filter(narrative__icontains=drill["q"])
    document = {f: drill[k] for k, f in DOCUMENT_DRILL.items() if drill.get(k)}
    if document:
        records = records.filter(Exists(IncidentDocument.objects.filter(incident=OuterRef("pk"), **document)))
    return records.select_related("participant").order_by("-detection_date", "-id")


DOCUMENT_DRILL = {"document_type": "document_type", "fraud_type": "fraud_type", "issuer": "issuing_country"}
