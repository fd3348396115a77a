"""The facts side of analytics: fact rows read and summed per owner, and the tiers of the
reciprocity rule applied to them for one viewer (`FactReader`), with the cache of those sums.

The charts (`analytics.charts`) draw from what a `FactReader` hands them; the public reads are
`analytics.selectors`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

from django.core.cache import caches
from django.db.models import Case, CharField, Count, F, Max, Q, Sum, Value, When
from django.utils import timezone

from analytics.disclosure import Cell, Limits, published_fails
from analytics.models import Fact, FactSet, FeeFact, IncidentFact
from reporting import codes
from reporting.reciprocity import AggregateScope, month_add

TOTAL = ("__total__",)


@dataclass(frozen=True)
class DashboardFilters:
    """What the viewer asked for (all optional but the period)."""

    month_from: dt.date
    month_to: dt.date
    participant_ids: frozenset[int] = frozenset()
    category: str = ""
    mode: str = ""
    origin: str = ""
    destination: str = ""

    def query(self) -> dict[str, str | list[str]]:
        """The filters as URL parameters (the dashboards, drill-down and exports share them)."""
        params: dict[str, str | list[str]] = {
            "from": self.month_from.strftime("%Y-%m"),
            "to": self.month_to.strftime("%Y-%m"),
        }
        if self.participant_ids:
            params["participant"] = [str(pk) for pk in sorted(self.participant_ids)]
        for name in ("category", "mode", "origin", "destination"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        return params


def default_filters(*, today: dt.date | None = None) -> DashboardFilters:
    """The last 24 closed months."""
    today = today or timezone.localdate()
    last = month_add(today.replace(day=1), -1)
    return DashboardFilters(month_from=month_add(last, -23), month_to=last)


# The rule applied to fact rows -------------------------------------------------------------------
#
# Each chart's query groups the fact rows of the period and filters by (dimensions, owner, class),
# where the class says what the rule allows others to do with the row, whoever looks:
#   "s": shared, in a submitted return, embargo over: in others' aggregates, readable by record owners;
#   "a": aggregate-only, likewise: in others' aggregates, never readable by others;
#   "p": everything else (open return, national-only, under embargo): its owner's eyes only.
# These sums do not depend on the viewer, so they are cached per owner, keyed on that owner's facts
# version (how many fact sets, built when): a rebuilt return invalidates its owner's sums only, and
# the viewer's scope (aggregate_scope) is applied to the cached sums in Python.

SHARED, AGGREGATE, PRIVATE = "s", "a", "p"
# Dimensions computed at read time. Fees are read to the nearest 10 USD: the quartiles shown are
# whole dollars of fees in the thousands, and whole-dollar rows would be several times as many.
DERIVED = {"fee10": (F("fee_usd") + 5) / 10 * 10}
CACHE_SECONDS = 24 * 3600  # keys carry the facts' versions: a stale entry is never read, only evicted


def analytics_cache():
    return caches["analytics"]


def _klass(on: dt.date) -> Case:
    visible = Q(submitted=True) & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=on))
    return Case(
        When(visible & Q(sharing=codes.SharingLevel.SHARED), then=Value(SHARED)),
        When(visible & Q(sharing=codes.SharingLevel.AGGREGATE_ONLY), then=Value(AGGREGATE)),
        default=Value(PRIVATE),
        output_field=CharField(),
    )


def _filter_q(filters: DashboardFilters) -> Q:
    condition = Q(month__gte=filters.month_from, month__lte=filters.month_to)
    if filters.category:
        condition &= Q(categories__contains=f"|{filters.category}|")
    if filters.mode:
        condition &= Q(modes__contains=f"|{filters.mode}|")
    if filters.origin:
        condition &= Q(origin=filters.origin)
    if filters.destination:
        condition &= Q(destination=filters.destination)
    return condition


def facts_versions(filters: DashboardFilters) -> tuple[dict[int, str], dict[int, dt.datetime]]:
    """Per owner: a version string that changes whenever one of its returns' facts is rebuilt or
    removed, and when its facts of the filtered period were last built ("data as of"). One query."""
    versions, built = {}, {}
    period = Q(month__gte=filters.month_from, month__lte=filters.month_to)
    rows = (
        FactSet.objects.values("participant_id")
        .annotate(n=Count("ret_id"), at=Max("built_at"), period_at=Max("built_at", filter=period))
        .values_list("participant_id", "n", "at", "period_at")
        .order_by()
    )
    for pid, n, at, period_at in rows:
        versions[pid] = f"{n}:{at.timestamp():.6f}"
        if period_at is not None:
            built[pid] = period_at
    return versions, built


def _quarter_start(month: dt.date) -> dt.date:
    return month.replace(month=(month.month - 1) // 3 * 3 + 1)


def published_filters(filters: DashboardFilters) -> DashboardFilters:
    """The published tier ignores every filter but the period, widened to whole quarters: the same
    figure whatever is asked, so that comparing two requests tells nothing a single one does not."""
    return DashboardFilters(
        month_from=_quarter_start(filters.month_from), month_to=month_add(_quarter_start(filters.month_to), 2)
    )


def cache_key(*parts: object) -> str:
    return "vrs:analytics:" + hashlib.sha256(repr(parts).encode()).hexdigest()


class FactReader:
    """Sums fact rows per dimension values into disclosure cells for one viewer and filter."""

    def __init__(self, scope: AggregateScope, filters: DashboardFilters, on: dt.date, versions: dict[int, str]) -> None:
        self.scope, self.filters, self.on, self.versions = scope, filters, on, versions
        self.limits = Limits(scope.disclosure_control, scope.min_cell, scope.min_contributors)
        self.selected = filters.participant_ids & scope.owner_ids if filters.participant_ids else scope.owner_ids
        # The participant filter is applied in Python (see `selected`): the cached sums ignore it.
        self.filter_key = replace(self.filters, participant_ids=frozenset()).query()
        self._published: dict[tuple, dict[int, list[int]]] | None = None
        # Contributors' views are made alike (the same cells withheld for every contributor); the
        # secretariat, which administers the system and reads no view of a participant's, tests
        # only its own unreadable part; a non-contributor's charts hold its own records only.
        self.guards_remainders = scope.tier == "contributor"

    def _owner_rows(
        self, model: type[Fact], dims: list[str], measures: list[str], *, only: list[int] | None = None
    ) -> dict[int, list[dict]]:
        """{owner: rows} for every owner in the viewer's scope that has facts (or `only` these, not
        cached), from the cache or one query."""
        owners = only if only is not None else sorted(o for o in self.scope.owner_ids if o in self.versions)
        keys = {
            owner: cache_key(model.__name__, dims, measures, self.filter_key, self.on, owner, self.versions[owner])
            for owner in owners
        }
        found = analytics_cache().get_many(list(keys.values())) if only is None else {}
        result = {owner: found[key] for owner, key in keys.items() if key in found}
        missing = [owner for owner in owners if owner not in result]
        if missing:
            fetched: dict[int, list[dict]] = {owner: [] for owner in missing}
            rows = (
                model.objects.filter(_filter_q(self.filters), participant_id__in=missing)
                .annotate(klass=_klass(self.on), **{d: e for d, e in DERIVED.items() if d in dims})
                .values(*dims, "participant_id", "klass")
                .annotate(**{m: Sum(m) for m in measures})
                .order_by()
            )
            for row in rows:
                fetched[row["participant_id"]].append(row)
            if only is None:
                analytics_cache().set_many({keys[owner]: fetched[owner] for owner in missing}, CACHE_SECONDS)
            result.update(fetched)
        return result

    def published_parts(self) -> dict[tuple, dict[int, list[int]]]:
        """{(quarter, category): {owner: [detections, of which aggregate-only]}} of the published
        tier for this viewer's region (`published_filters`: whole quarters, no other filter), its
        own participant's shared and aggregate-only records counted like anyone's. Computed once."""
        if self._published is None:
            scope, own = self.scope, self.scope.own_participant_id
            owners = set(scope.published_owner_ids)
            if scope.published and own is not None:
                owners.add(own)
            reader = FactReader(scope, published_filters(self.filters), self.on, self.versions)
            parts: dict[tuple, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
            for owner, rows in reader._owner_rows(IncidentFact, ["month", "categories"], ["incidents"]).items():
                if owner not in owners:
                    continue
                for row in rows:
                    if row["klass"] == PRIVATE or not row["incidents"]:
                        continue
                    for category in row["categories"].strip("|").split("|"):
                        if category:
                            part = parts[(quarter_of(row["month"]), category)][owner]
                            part[0] += row["incidents"]
                            if row["klass"] == AGGREGATE:
                                part[1] += row["incidents"]
            self._published = {k: dict(v) for k, v in parts.items()}
        return self._published

    def published_figures(self) -> dict[tuple, tuple[int, bool]]:
        """{(quarter, category): (figure, lower bound?)} of the published tier, for every figure
        shown: the whole where it passes `published_fails`, else its shared part as a lower bound
        where that passes (every contributor reads the shared part anyway), else nothing."""
        figures = {}
        for k, parts in self.published_parts().items():
            if not published_fails({o: (t, a) for o, (t, a) in parts.items()}, self.limits):
                figures[k] = (sum(t for t, _a in parts.values()), False)
            elif not published_fails({o: (t - a, 0) for o, (t, a) in parts.items()}, self.limits):
                shared = sum(t - a for t, a in parts.values())
                if shared:
                    figures[k] = (shared, True)
        return figures

    def published_shown(self) -> set[tuple]:
        """The published-tier figures (quarter, category) shown whole to everyone who sees the tier."""
        return {k for k, (_figure, partial) in self.published_figures().items() if not partial}

    def owner_fee_histograms(self) -> dict[int, dict]:
        """{owner: {(route or mode key, klass): Counter(fee → detections)}} for every owner in the
        viewer's scope that has facts: the fee rows of each owner folded once, when its facts change,
        and kept in the cache beside its rows (a fold per owner, not a hundred thousand rows a view)."""
        owners = sorted(o for o in self.scope.owner_ids if o in self.versions)
        keys = {
            owner: cache_key("fee-histograms", self.filter_key, self.on, owner, self.versions[owner])
            for owner in owners
        }
        found = analytics_cache().get_many(list(keys.values()))
        result = {owner: found[key] for owner, key in keys.items() if key in found}
        missing = [owner for owner in owners if owner not in result]
        if missing:
            rows = self._owner_rows(FeeFact, ["origin", "destination", "modes", "fee10"], ["incidents"], only=missing)
            folded: dict[int, dict] = {}
            for owner in missing:
                histograms: dict[Hashable, Counter] = defaultdict(Counter)
                for row in rows[owner]:
                    n, fee, klass = row["incidents"], row["fee10"], row["klass"]
                    histograms[(("route", row["origin"], row["destination"]), klass)][fee] += n
                    for m in row["modes"].strip("|").split("|"):
                        if m:
                            histograms[(("mode", m, ""), klass)][fee] += n
                folded[owner] = dict(histograms)
            analytics_cache().set_many({keys[owner]: folded[owner] for owner in missing}, CACHE_SECONDS)
            result.update(folded)
        return result

    def access(self, owner: int) -> dict[str, tuple[bool, bool]]:
        """{class: (readable, protected)} of the owner's fact rows that the viewer's aggregates may
        sum; a class left out is not summed. Own rows in full; others' rows as aggregate_records_q
        filters their records (validated is given: facts hold validated records only), readable one
        by one where shared by an owner the viewer reads.

        "protected": what no other participant reads record by record (aggregate-only records, the
        viewer's own included): disclosure control tests it for every possible viewer, so that all
        contributors withhold the same cells (this viewer's own unreadable part is tested as well,
        as `hidden`)."""
        guard = self.guards_remainders
        if owner == self.scope.own_participant_id:
            return {SHARED: (True, False), AGGREGATE: (True, guard), PRIVATE: (True, False)}
        if owner in self.scope.aggregate_owner_ids:
            reads = owner in self.scope.record_owner_ids
            return {SHARED: (reads, False), AGGREGATE: (False, guard)}
        return {}

    def rows(self, model: type[Fact], dims: list[str], measures: list[str]) -> list[dict]:
        """The rows the viewer's aggregates may sum, each marked `readable` (the viewer could also
        read its records one by one) and `protected`, as `access` says."""
        out = []
        # The rows are this request's own copies (the cache hands out new ones): marked in place.
        for owner, rows in self._owner_rows(model, dims, measures).items():
            access = self.access(owner)
            for row in rows:
                if row["klass"] in access:
                    row["readable"], row["protected"] = access[row["klass"]]
                    out.append(row)
        return out

    def cells(
        self,
        model: type[Fact],
        dims: list[str],
        measure: str,
        *,
        key: Callable[[dict], list[Hashable]] | None = None,
        total: bool = True,
    ) -> dict[Hashable, Cell]:
        """{key: Cell} (plus TOTAL: every row once). `key` may map a row to several keys (a record
        with two modes counts under each)."""
        cells: dict[Hashable, Cell] = defaultdict(Cell)
        key = key or (lambda row: [tuple(row[d] for d in dims)])
        for row in self.rows(model, dims, [measure]):
            owner, value, readable = row["participant_id"], row[measure] or 0, row["readable"]
            selected = owner in self.selected
            protected = row["protected"]
            for k in key(row):
                cells[k].add(owner=owner, value=value, readable=readable, selected=selected, protected=protected)
            if total:
                cells[TOTAL].add(owner=owner, value=value, readable=readable, selected=selected, protected=protected)
        return dict(cells)


def split_codes(field_name: str) -> Callable[[dict], list[Hashable]]:
    return lambda row: [(code,) for code in row[field_name].strip("|").split("|") if code]


def quarter_of(month: dt.date) -> tuple[int, int]:
    return month.year, (month.month - 1) // 3 + 1
