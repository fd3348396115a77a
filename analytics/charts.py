"""The charts of the regional dashboard: tables and ECharts series drawn from a `FactReader`'s cells,
under disclosure control (`analytics.disclosure.protect`) before anyone sees a figure."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.codes import country_name
from accounts.models import Participant
from analytics import linked
from analytics.disclosure import Cell, Limits, bound, label, protect, shown
from analytics.facts import (
    TOTAL,
    DashboardFilters,
    FactReader,
    published_filters,
    quarter_of,
    split_codes,
)
from analytics.models import AbuseFact, DocumentFact, IncidentFact, PeopleFact, RoleFact, RouteFact
from reporting import codes
from reporting.models import Return
from reporting.reciprocity import month_add


@dataclass
class Row:
    label: str
    values: list[int | float | None]
    labels: list[str]
    drill: dict[str, str] = field(default_factory=dict)
    is_total: bool = False
    bounds: list[bool] = field(default_factory=list)  # per value: a lower bound ("at least N")
    codes: list[str] = field(default_factory=list)  # coverage: each month's state; headline: the change

    @property
    def coded(self) -> list[tuple[str, str]]:
        return list(zip(self.labels, self.codes, strict=False))


def _row(
    name: str,
    cells: list[Cell | None],
    limits: Limits,
    drill: dict[str, str] | None = None,
    *,
    is_total: bool = False,
) -> Row:
    """A table row of cells as the viewer may see them: figures, printed labels, lower-bound marks."""
    return Row(
        name,
        [shown(c, limits) for c in cells],
        [label(c, limits) for c in cells],
        drill or {},
        is_total,
        [bound(c) for c in cells],
    )


@dataclass
class Chart:
    """One chart and the table behind it: what the page draws, prints and exports."""

    key: str
    title: str
    kind: str
    columns: list[str]
    rows: list[Row]
    participants: int
    suppressed: int
    note: str = ""
    extra: dict = field(default_factory=dict)
    footnotes: list = field(default_factory=list)  # national context (analytics/context.py), set per viewer

    @property
    def theme(self) -> str:
        """The dashboard's section this chart belongs to."""
        return str(THEMES.get(self.key, ""))


THEMES = {
    "headline": gettext_lazy("Overview"),
    "coverage": gettext_lazy("Overview"),
    "series": gettext_lazy("Overview"),
    "published": gettext_lazy("Overview"),
    "modes": gettext_lazy("How detections are made"),
    "contexts": gettext_lazy("How detections are made"),
    "people-migrant": gettext_lazy("People"),
    "people-smuggler": gettext_lazy("People"),
    "routes": gettext_lazy("Routes and fees"),
    "map": gettext_lazy("Routes and fees"),
    "fees": gettext_lazy("Routes and fees"),
    "documents": gettext_lazy("Documents and smugglers' roles"),
    "roles": gettext_lazy("Documents and smugglers' roles"),
    "harm": gettext_lazy("Deaths, missing and abuse"),
    "abuse-routes": gettext_lazy("Deaths, missing and abuse"),
    "abuses": gettext_lazy("Deaths, missing and abuse"),
}


def _owners(cells: dict[Hashable, Cell]) -> int:
    owners: set[int] = set()
    for cell in cells.values():
        owners |= cell.owners
    return len(owners)


def _rank(cell: Cell | None, key: Hashable = "") -> tuple:
    """Order rows by the figure shown (for a cell withheld in part, its readable part), largest
    first; cells with nothing shown last in code order, so that neither the order nor a top-N cut
    tells anything about a hidden figure."""
    figure = 0 if cell is None else cell.readable if cell.suppressed else cell.value
    return (0, -figure, str(key)) if figure else (1, 0, str(key))


def _bar(
    reader: FactReader,
    cells: dict[Hashable, Cell],
    *,
    key: str,
    title: str,
    names: dict[str, str],
    drill: str,
    column: str,
    limit: int | None = None,
) -> Chart:
    members = [k for k in cells if k != TOTAL]
    suppressed = protect(cells, groups=[(TOTAL, members)], limits=reader.limits)
    members.sort(key=lambda k: _rank(cells[k], k))
    if limit:
        members = members[:limit]
    rows = [
        _row(names.get(k[0], k[0]) or _("Unknown"), [cells[k]], reader.limits, {drill: k[0]} if drill else {})
        for k in members
    ]
    if TOTAL in cells:
        rows.append(_row(_("All detections"), [cells[TOTAL]], reader.limits, is_total=True))
    return Chart(key, title, "bar", [column], rows, _owners(cells), suppressed)


# The charts --------------------------------------------------------------------------------------

CATEGORY_NAMES = dict(codes.ConductCategory.choices)
MODE_NAMES = dict(codes.Mode.choices)


def _months(filters: DashboardFilters) -> list[dt.date]:
    months, month = [], filters.month_from
    while month <= filters.month_to:
        months.append(month)
        month = month_add(month, 1)
    return months


def _series(reader: FactReader) -> Chart:
    """Detections per month and category, with quarter-on-quarter and year-on-year change of the
    last full quarter. Categories are not added up: a record can have several."""
    cells = reader.cells(
        IncidentFact,
        ["month", "categories"],
        "incidents",
        key=lambda row: [(row["month"], c) for c in row["categories"].strip("|").split("|") if c],
        total=False,
    )
    months = _months(reader.filters)
    categories = [c for c in CATEGORY_NAMES if any(k[1] == c for k in cells)]
    # A month with no figure in which no participant of the viewer's scope submitted a return (with
    # data or nil) is "not reporting", not a false zero: before the data starts, before a participant
    # joined, or after a non-contributor stopped submitting.
    owners = sorted(reader.selected)
    submitted = set(
        Return.objects.filter(
            participant_id__in=owners,
            status=Return.Status.SUBMITTED,
            month__gte=reader.filters.month_from,
            month__lte=reader.filters.month_to,
        )
        .values_list("month", flat=True)
        .distinct()
    )
    with_figures = {k[0] for k in cells}
    not_reporting = [m for m in months if m not in with_figures and m not in submitted]
    # Quarter cells and the period total per category are cells in their own right.
    for (month, category), cell in list(cells.items()):
        cells.setdefault(("q", quarter_of(month), category), Cell()).merge(cell)
        cells.setdefault(("t", category), Cell()).merge(cell)
    groups = [(("t", c), [(m, c) for m in months]) for c in categories]
    # Where the viewer also sees the published tier and the series is not narrowed beyond it, each
    # published quarter figure is a total shown beside its three months: a lone withheld remainder
    # among them gets a partner, or subtracting the months from the published figure would give it.
    fixed = []
    f = reader.filters
    if reader.scope.published and not (f.participant_ids or f.mode or f.origin or f.destination):
        published = reader.published_shown()
        for quarter, c in published:
            quarter_months = [m for m in months if quarter_of(m) == quarter]
            if len(quarter_months) == 3 and c in categories:
                fixed.append(("q", quarter, c))
                groups.append((("q", quarter, c), [(m, c) for m in quarter_months]))
    suppressed = protect(cells, groups=groups, limits=reader.limits, fixed=fixed)
    suppressed -= sum(1 for k, cell in cells.items() if k[0] == "q" and cell.suppressed and cell.hidden)
    rows = [
        _row(
            m.strftime("%Y-%m"),
            [cells.get((m, c)) for c in categories],
            reader.limits,
            {"from": m.strftime("%Y-%m"), "to": m.strftime("%Y-%m")},
        )
        if m not in not_reporting
        else Row(
            m.strftime("%Y-%m"),
            [None] * len(categories),
            [str(_("not reporting"))] * len(categories),
            {"from": m.strftime("%Y-%m"), "to": m.strftime("%Y-%m")},
        )
        for m in months
    ]
    rows.append(_row(_("Total"), [cells.get(("t", c)) for c in categories], reader.limits, is_total=True))
    in_period = [quarter_of(m) for m in months]
    full_quarters = sorted({q for q in in_period if in_period.count(q) == 3})  # all three months shown
    change = []
    if full_quarters:
        year, q = full_quarters[-1]
        previous = (year, q - 1) if q > 1 else (year - 1, 4)
        for c in categories:
            silent = all(m in not_reporting for m in months if quarter_of(m) == (year, q))
            now = None if silent else shown(cells.get(("q", (year, q), c)), reader.limits)
            change.append(
                {
                    "category": CATEGORY_NAMES[c],
                    "quarter": f"{year} Q{q}",
                    "value": now,
                    "qoq": _change(now, shown(cells.get(("q", previous, c)), reader.limits)),
                    "yoy": _change(now, shown(cells.get(("q", (year - 1, q), c)), reader.limits)),
                }
            )
    chart = Chart(
        "series",
        _("Detections per month by conduct category"),
        "line",
        [str(CATEGORY_NAMES[c]) for c in categories],
        rows,
        _owners(cells),
        suppressed,
        note=_("A record with several categories counts once in each; categories are not added up."),
        extra={
            "change": change,
            "codes": categories,
            "not_reporting": [m.strftime("%Y-%m") for m in not_reporting],
        },
    )
    return chart


def _published(reader: FactReader) -> Chart:
    """The published tier: detections by quarter and conduct category over the viewer's region,
    one table for everyone who may see it (docs/analytics.md, "Tiers")."""
    parts = reader.published_parts()
    figures = reader.published_figures()
    quarters = sorted({quarter_of(m) for m in _months(published_filters(reader.filters))})
    categories = [c for c in CATEGORY_NAMES if any(k[1] == c for k in parts)]
    min_cell = reader.limits.min_cell

    def figure(key: tuple) -> tuple[int | None, str, bool]:
        if key not in parts:
            return 0, "0", False
        if key in figures:
            value, partial = figures[key]
            return value, str(_("at least %(n)s") % {"n": f"{value:,}"}) if partial else f"{value:,}", partial
        total = sum(t for t, _a in parts[key].values())
        return None, f"<{min_cell}" if total < min_cell else str(_("hidden")), False

    rows = []
    for year, q in quarters:
        cells = [figure(((year, q), c)) for c in categories]
        start = dt.date(year, 3 * q - 2, 1)
        drill = {"from": start.strftime("%Y-%m"), "to": month_add(start, 2).strftime("%Y-%m")}
        rows.append(
            Row(
                f"{year} Q{q}",
                [v for v, _l, _b in cells],
                [lab for _v, lab, _b in cells],
                drill,
                bounds=[b for _v, _l, b in cells],
            )
        )
    owners: set[int] = set()
    for owner_parts in parts.values():
        owners |= {o for o, (t, _a) in owner_parts.items() if t}
    return Chart(
        "published",
        _("Published regional figures: detections by quarter and conduct category"),
        "heat",
        [str(CATEGORY_NAMES[c]) for c in categories],
        rows,
        len(owners),
        sum(1 for k in parts if k not in figures or figures[k][1]),
        note=_(
            "The published tier: the same figures for every participant that may see them, whatever the "
            "filters (whole quarters, shared and aggregate-only records of the region)."
        ),
        extra={"codes": categories, "column_drill": "category"},
    )


def _change(now: int | None, before: int | None) -> float | None:
    """Relative change in percent, or None when either figure is hidden, missing or zero."""
    if now is None or before in (None, 0):
        return None
    return round((now - before) * 100 / before, 1)


def _people(reader: FactReader, group: str, title: str) -> Chart:
    cells: dict[Hashable, Cell] = defaultdict(Cell)
    for row in reader.rows(PeopleFact, ["group", "citizenship", "sex", "age_group"], ["persons"]):
        if row["group"] != group:
            continue
        args = dict(
            owner=row["participant_id"],
            value=row["persons"] or 0,
            readable=row["readable"],
            selected=row["participant_id"] in reader.selected,
            protected=row["protected"],
        )
        cells[(row["citizenship"], row["sex"])].add(**args)
        cells[(row["citizenship"], "all")].add(**args)
        if row["age_group"] == codes.AgeGroup.MINOR:
            cells[(row["citizenship"], "minor")].add(**args)
    sexes = list(codes.Sex.values)
    cells = dict(cells)
    every = sorted({k[0] for k in cells})
    protect(cells, groups=[((c, "all"), [(c, s) for s in sexes]) for c in every], limits=reader.limits)
    citizenships = sorted(every, key=lambda c: _rank(cells[(c, "all")], c))[:10]
    suppressed = sum(1 for (c, _s), cell in cells.items() if c in citizenships and cell.suppressed)
    columns = [str(n) for n in dict(codes.Sex.choices).values()] + [_("Minors"), _("Total")]
    rows = [
        _row(
            country_name(c) or _("Unknown"),
            [cells.get((c, s)) for s in [*sexes, "minor", "all"]],
            reader.limits,
            {"citizenship": c, "group": group} if c else {},
        )
        for c in citizenships
    ]
    return Chart(
        f"people-{group}", title, "stack", columns, rows, _owners(cells), suppressed, extra={"stack": len(sexes)}
    )


def _end_drill(role: str, code: str) -> dict[str, str]:
    """Drill-down parameters for a route's origin or destination; "" (not reported) included."""
    return {role: code} if code else {f"{role}_unknown": "1"}


def _route_drill(origin: str, destination: str) -> dict[str, str]:
    return {**_end_drill("origin", origin), **_end_drill("destination", destination)}


def _route_name(origin: str, destination: str) -> str:
    return f"{country_name(origin) or _('Unknown')} → {country_name(destination) or _('Unknown')}"


def _routes(reader: FactReader) -> tuple[Chart, Chart]:
    cells = reader.cells(RouteFact, ["origin", "transit", "destination"], "incidents", total=False)
    links: dict[Hashable, Cell] = defaultdict(Cell)
    countries: dict[Hashable, Cell] = defaultdict(Cell)
    for (origin, transit, destination), cell in cells.items():
        o = f"{origin or '?'}:o"
        d = f"{destination or '?'}:d"
        if transit:
            links[(o, f"{transit}:t")].merge(cell)
            links[(f"{transit}:t", d)].merge(cell)
            countries[("transit", transit)].merge(cell)
        else:
            links[(o, d)].merge(cell)
        countries[("origin", origin)].merge(cell)
        countries[("destination", destination)].merge(cell)
    links = dict(links)
    suppressed = protect(links, limits=reader.limits)
    role_name = {"o": _("origin"), "t": _("transit"), "d": _("destination")}

    def node(name: str) -> str:
        code, role = name.split(":")
        return f"{country_name(code) if code != '?' else _('Unknown')} ({role_name[role]})"

    # A link withheld in part shows its readable part (a lower bound); one with nothing readable is left out.
    shown_links = sorted(
        ((k, links[k]) for k in links if shown(links[k], reader.limits)),
        key=lambda item: (-shown(item[1], reader.limits), item[0]),
    )[:40]

    def link_drill(a: str, b: str) -> dict[str, str]:
        """The records of exactly this link: a direct origin → destination link has no transit
        country at all (not "any route between them"), an unknown end is an empty one."""
        drill: dict[str, str] = {}
        for n in (a, b):
            code, role = n.split(":")
            if role == "t":
                drill["transit"] = code
            else:
                drill.update(_end_drill("origin" if role == "o" else "destination", "" if code == "?" else code))
        if a.endswith(":o") and b.endswith(":d"):
            drill["direct"] = "1"
        return drill

    rows = [_row(f"{node(a)} → {node(b)}", [cell], reader.limits, link_drill(a, b)) for (a, b), cell in shown_links]
    nodes = sorted({node(n) for (a, b), _c in shown_links for n in (a, b)})
    sankey = Chart(
        "routes",
        _("Route flows: origin → first transit → intended destination"),
        "sankey",
        [_("Detections")],
        rows,
        _owners(links),
        suppressed,
        note=_("Flows with nothing you can read are left out where disclosure control withholds them."),
        extra={
            "nodes": [{"name": n} for n in nodes],
            "links": [
                {"source": node(a), "target": node(b), "value": shown(c, reader.limits), "bound": bound(c)}
                for (a, b), c in shown_links
            ],
        },
    )
    countries = dict(countries)
    suppressed_map = protect(countries, limits=reader.limits)
    import pycountry

    numeric = {}
    for _role, code in countries:
        country = pycountry.countries.get(alpha_3=code) if code else None
        if country is not None:
            numeric[code] = country.numeric
    map_rows = [
        _row(f"{country_name(code)} ({role_name[role[0]]})", [cell], reader.limits, {role: code})
        for (role, code), cell in sorted(countries.items(), key=lambda item: _rank(item[1], item[0]))
        if code
    ]
    world = Chart(
        "map",
        _("Map of the region: detections by country of origin, transit and destination"),
        "map",
        [_("Detections")],
        map_rows,
        _owners(countries),
        suppressed_map,
        extra={
            role: [
                {"id": numeric[code], "name": country_name(code), "value": shown(cell, reader.limits)}
                for (r, code), cell in countries.items()
                if r == role and code in numeric and shown(cell, reader.limits)
            ]
            for role in ("origin", "transit", "destination")
        },
    )
    return sankey, world


def _quantiles(values: list[tuple[int, int]]) -> tuple[float, float, float]:
    """Weighted first quartile, median and third quartile of (value, count) pairs."""
    ordered = sorted(values)
    n = sum(count for _v, count in ordered)

    def at(p: float) -> float:
        position = p * (n - 1)
        lower, upper = int(position), min(int(position) + 1, n - 1)
        seen, low_value, high_value = 0, None, None
        for value, count in ordered:
            if low_value is None and seen + count > lower:
                low_value = value
            if seen + count > upper:
                high_value = value
                break
            seen += count
        return low_value + (high_value - low_value) * (position - lower)

    return at(0.25), at(0.5), at(0.75)


def _fees(reader: FactReader) -> Chart:
    """Median, quartiles and n of the fee per person (USD) by route and by mode."""
    # Each owner's fee rows are folded into histograms per route and mode once (cached on its facts'
    # version); a view sums the owners' totals into cells and merges histograms for the rows shown.
    parts: list[tuple[Hashable, int, bool, bool, Counter]] = []  # (key, owner, readable, protected, histogram)
    for owner, histograms in reader.owner_fee_histograms().items():
        access = reader.access(owner)
        for (k, klass), histogram in histograms.items():
            if klass in access:
                parts.append((k, owner, *access[klass], histogram))
    cells: dict[Hashable, Cell] = defaultdict(Cell)
    for k, owner, readable, guarded, histogram in parts:
        cells[k].add(
            owner=owner,
            value=sum(histogram.values()),
            readable=readable,
            selected=owner in reader.selected,
            protected=guarded,
        )
    cells = dict(cells)
    suppressed = protect(cells, limits=reader.limits)
    order = sorted(cells, key=lambda k: (k[0] != "mode", _rank(cells[k], k)))
    shown_keys = set(order[:16])
    # A row withheld in part shows the quartiles of its readable records only (which the viewer could
    # compute from them), with their n as a lower bound.
    values: dict[Hashable, Counter] = defaultdict(Counter)
    for k, owner, readable, _guarded, histogram in parts:
        if k in shown_keys and owner in reader.selected and (readable or not cells[k].suppressed):
            values[k].update(histogram)
    rows = []
    for k in order[:16]:
        cell = cells[k]
        name = _("Mode: %(mode)s") % {"mode": MODE_NAMES.get(k[1], k[1])} if k[0] == "mode" else _route_name(k[1], k[2])
        drill = {"mode": k[1]} if k[0] == "mode" else _route_drill(k[1], k[2])
        if not values.get(k):
            rows.append(Row(name, [None, None, None, None], ["—", "—", "—", label(cell, reader.limits)], drill))
            continue
        q1, median, q3 = _quantiles(list(values[k].items()))
        partial = bound(cell)
        rows.append(
            Row(
                name,
                [round(q1), round(median), round(q3), shown(cell, reader.limits)],
                [f"{q1:,.0f}", f"{median:,.0f}", f"{q3:,.0f}", label(cell, reader.limits)],
                drill,
                bounds=[partial] * 4,
            )
        )
    return Chart(
        "fees",
        _("Fees per person in USD: median and interquartile range"),
        "boxish",
        [_("First quartile"), _("Median"), _("Third quartile"), _("Detections (n)")],
        rows,
        _owners(cells),
        suppressed,
        note=_("Converted to USD at the rate of the detection month; read to the nearest 10 USD."),
    )


def _documents(reader: FactReader) -> Chart:
    cells = reader.cells(DocumentFact, ["document_type", "fraud_type", "issuing_country"], "documents")
    members = [k for k in cells if k != TOTAL]
    suppressed = protect(cells, groups=[(TOTAL, members)], limits=reader.limits)
    types, frauds = dict(codes.DocumentType.choices), dict(codes.FraudType.choices)
    members.sort(key=lambda k: _rank(cells[k], k))
    rows = [
        _row(
            f"{types.get(t, t)} · {frauds.get(f, f)} · {country_name(c) or _('Unknown')}",
            [cells[(t, f, c)]],
            reader.limits,
            {"document_type": t, "fraud_type": f, **({"issuer": c} if c else {})},
        )
        for t, f, c in members[:15]
    ]
    if TOTAL in cells:
        rows.append(_row(_("All documents"), [cells[TOTAL]], reader.limits, is_total=True))
    return Chart(
        "documents",
        _("Fraudulent documents: type × kind of fraud × issuing country"),
        "bar",
        [_("Documents")],
        rows,
        _owners(cells),
        suppressed,
    )


ABUSE_NAMES = dict(codes.Abuse.choices)
ANY_ABUSE = "any"


def _by_mode_and_route(reader: FactReader, rows: list[dict], column: Callable[[dict], str], measure: str) -> dict:
    """Cells (column, "mode", mode), (column, "route", origin, destination) and (column, TOTAL) of
    `measure` over fact rows that carry modes, origin and destination. A record counts under each
    of its modes, and under its one route: routes add up to the total, modes need not."""
    cells: dict[Hashable, Cell] = defaultdict(Cell)
    for row in rows:
        owner, value, readable = row["participant_id"], row[measure] or 0, row["readable"]
        selected = owner in reader.selected
        col = column(row)
        keys = [(col, "mode", m) for m in row["modes"].strip("|").split("|") if m]
        keys += [(col, "route", row["origin"], row["destination"]), (col, *TOTAL)]
        for k in keys:
            cells[k].add(owner=owner, value=value, readable=readable, selected=selected, protected=row["protected"])
    return cells


def _mode_and_route_table(
    reader: FactReader, cells: dict[Hashable, Cell], columns: list[str], rank_by: list[str]
) -> tuple[list[tuple], int]:
    """Protect the cells (each column's routes against its total) and choose the rows: every mode,
    then the ten routes with the most of the `rank_by` columns together, counting only the figures
    shown (routes with hidden figures only come last, in code order; routes with nothing at all
    are left out), so that neither the order nor the cut tells anything about a hidden figure."""
    groups = [((col, *TOTAL), [k for k in cells if k[0] == col and k[1] == "route"]) for col in columns]
    suppressed = protect(cells, groups=groups, limits=reader.limits)

    def row_cells(route: tuple, names: list[str]) -> list[Cell]:
        return [cell for name in names if (cell := cells.get((name, *route))) is not None]

    def shown_total(route: tuple) -> int:
        return sum(cell.readable if cell.suppressed else cell.value for cell in row_cells(route, rank_by))

    def anything(route: tuple) -> bool:
        return any(cell.suppressed or cell.value for cell in row_cells(route, columns))

    routes = sorted(
        (k for k in {k[1:] for k in cells if k[1] == "route"} if anything(k)),
        key=lambda k: (shown_total(k) == 0, -shown_total(k), str(k)),
    )[:10]
    return [("mode", m) for m in codes.Mode.values] + routes, suppressed


def _row_name(k: tuple) -> str:
    return _("Mode: %(mode)s") % {"mode": MODE_NAMES[k[1]]} if k[0] == "mode" else _route_name(k[1], k[2])


def _row_drill(k: tuple) -> dict[str, str]:
    return {"mode": k[1]} if k[0] == "mode" else _route_drill(k[1], k[2])


def _harm(reader: FactReader) -> tuple[Chart, Chart]:
    """Dead and missing, and detections reporting abuse (any, and each abuse), by mode and by route."""
    measures = ["dead", "missing", "abused"]
    incident_rows = reader.rows(IncidentFact, ["modes", "origin", "destination"], measures)
    harm: dict[Hashable, Cell] = {}
    for measure in ("dead", "missing"):
        harm.update(_by_mode_and_route(reader, incident_rows, lambda _row, m=measure: m, measure))
    keys, suppressed = _mode_and_route_table(reader, harm, ["dead", "missing"], ["dead", "missing"])
    harm_chart = Chart(
        "harm",
        _("Dead and missing by mode and route"),
        "stack",
        [_("Dead"), _("Missing")],
        [
            _row(_row_name(k), [harm.get((c, *k)) for c in ("dead", "missing")], reader.limits, _row_drill(k))
            for k in keys
        ],
        _owners(harm),
        suppressed,
        note=_("Persons. A record with several modes counts under each of them."),
        extra={"stack": 2},
    )

    abuses = _by_mode_and_route(reader, incident_rows, lambda _row: ANY_ABUSE, "abused")
    abuse_rows = reader.rows(AbuseFact, ["abuse", "modes", "origin", "destination"], ["incidents"])
    abuses.update(_by_mode_and_route(reader, abuse_rows, lambda row: row["abuse"], "incidents"))
    columns = [ANY_ABUSE, *ABUSE_NAMES]
    keys, suppressed = _mode_and_route_table(reader, abuses, columns, [ANY_ABUSE])
    abuse_chart = Chart(
        "abuse-routes",
        _("Detections reporting abuse, by mode and route"),
        "heat",
        [_("Any abuse"), *ABUSE_NAMES.values()],
        [_row(_row_name(k), [abuses.get((c, *k)) for c in columns], reader.limits, _row_drill(k)) for k in keys],
        _owners(abuses),
        suppressed,
        note=_(
            "Detections, not people. A record reporting several abuses counts once under “Any abuse” "
            "and once under each abuse; one with several modes, under each mode."
        ),
        extra={"codes": columns, "column_drill": "abuse"},
    )
    return harm_chart, abuse_chart


def coverage_chart(*, filters: DashboardFilters) -> Chart:
    """Participant × month: data, nil, missing, or not participating (before it joined). Returns'
    status is not incident data: every dashboard user sees it (it is also the reciprocity status
    view). The grid starts at the first month of the period with a submitted return."""
    participants = list(Participant.objects.filter(status__in=["active", "suspended"]).order_by("code"))
    status = {
        (pid, month): (is_nil, status)
        for pid, month, is_nil, status in Return.objects.filter(
            month__gte=filters.month_from, month__lte=filters.month_to
        ).values_list("participant_id", "month", "is_nil", "status")
    }
    submitted = [m for (_pid, m), (_nil, st) in status.items() if st == Return.Status.SUBMITTED]
    months = [m for m in _months(filters) if not submitted or m >= min(submitted)]
    names = {"data": _("data"), "nil": _("nil"), "missing": _("missing"), "none": _("not participating")}
    rows = []
    for p in participants:
        joined = p.joined_on.replace(day=1) if p.joined_on else None
        states = []
        for m in months:
            is_nil, st = status.get((p.pk, m), (False, None))
            if st == Return.Status.SUBMITTED:
                states.append("nil" if is_nil else "data")
            else:
                states.append("none" if joined and m < joined else "missing")
        rows.append(
            Row(
                p.code,
                [None] * len(states),
                [str(names[v]) for v in states],
                {"participant": str(p.pk)},
                codes=states,
            )
        )
    return Chart(
        "coverage",
        _("Coverage: submitted returns by participant and month"),
        "coverage",
        [m.strftime("%Y-%m") for m in months],
        rows,
        len(participants),
        0,
        note=_(
            "data: a submitted return with records; nil: nothing to report; missing: no submitted return; "
            "not participating: before the participant joined."
        ),
        extra={"participants": [(p.pk, p.code, p.local_name, p.status) for p in participants]},
    )


HEADLINE = {  # lazy: read in the reader's language
    "incidents": gettext_lazy("Detections"),
    "migrants": gettext_lazy("Migrants"),
    "smugglers": gettext_lazy("Smugglers"),
    "dead": gettext_lazy("Dead"),
    "missing": gettext_lazy("Missing"),
}


def _previous(filters: DashboardFilters) -> DashboardFilters:
    """The period of the same length just before the filters' period, the other filters kept."""
    length = len(_months(filters))
    start = month_add(filters.month_from, -length)
    return replace(filters, month_from=start, month_to=month_add(filters.month_from, -1))


def _headline(reader: FactReader) -> Chart:
    """Detections, migrants, smugglers, dead and missing in the period, beside the previous period
    of the same length, with the change (only between two whole figures)."""
    before = FactReader(reader.scope, _previous(reader.filters), reader.on, reader.versions)
    # By the first record's owner of a linked duplicate too (analytics/linked.py); the sums ignore it.
    now_rows = reader.rows(IncidentFact, ["linked_owner"], list(HEADLINE))
    before_rows = before.rows(IncidentFact, ["linked_owner"], list(HEADLINE))
    rows = []
    suppressed = 0
    owners: set[int] = set()
    changes: list[str] = []
    for measure, name in HEADLINE.items():
        cells = {}
        for when, source, r in (("now", now_rows, reader), ("before", before_rows, before)):
            cell = Cell()
            for row in source:
                cell.add(
                    owner=row["participant_id"],
                    value=row[measure] or 0,
                    readable=row["readable"],
                    selected=row["participant_id"] in r.selected,
                    protected=row["protected"],
                )
            cells[when] = cell
        suppressed += protect(cells, limits=reader.limits)
        owners |= cells["now"].owners
        now, before_value = shown(cells["now"], reader.limits), shown(cells["before"], reader.limits)
        whole = not bound(cells["now"]) and not bound(cells["before"])
        change = _change(now, before_value) if whole and before_rows else None
        changes.append("—" if change is None else f"{change:+.1f} %")
        # No fact at all in the previous period: nobody reported then, which is not a zero.
        before_label = label(cells["before"], reader.limits) if before_rows else str(_("not reporting"))
        rows.append(
            Row(
                str(name),
                [now, before_value if before_rows else None],
                [label(cells["now"], reader.limits), before_label],
                {"from": f"{reader.filters.month_from:%Y-%m}", "to": f"{reader.filters.month_to:%Y-%m}"},
                bounds=[bound(cells["now"]), bound(cells["before"])],
                codes=[changes[-1]],  # the change, printed beside the figure
            )
        )
    rows[1:1] = linked.headline_rows(reader, before, now_rows, before_rows)
    changes[1:1] = ["—", "—"]
    previous = _previous(reader.filters)
    return Chart(
        "headline",
        _("In the period"),
        "headline",
        [
            f"{reader.filters.month_from:%Y-%m} – {reader.filters.month_to:%Y-%m}",
            f"{previous.month_from:%Y-%m} – {previous.month_to:%Y-%m}",
        ],
        rows,
        len(owners),
        suppressed,
        note=_("Persons in detections; the change compares with the previous period of the same length."),
        extra={"changes": changes},
    )


def fact_charts(reader: FactReader) -> list[Chart]:
    """Every chart drawn from the fact tables, under disclosure control."""
    modes = reader.cells(IncidentFact, ["modes"], "incidents", key=split_codes("modes"))
    contexts = reader.cells(IncidentFact, ["detection_context"], "incidents")
    roles = reader.cells(RoleFact, ["role"], "incidents")
    abuses = reader.cells(AbuseFact, ["abuse"], "incidents")
    sankey, world = _routes(reader)
    published = [_published(reader)] if reader.scope.published else []
    return [
        _headline(reader),
        _series(reader),
        *published,
        _bar(
            reader,
            modes,
            key="modes",
            title=_("Detections by mode"),
            names=MODE_NAMES,
            drill="mode",
            column=_("Detections"),
        ),
        _bar(
            reader,
            contexts,
            key="contexts",
            title=_("Detections by detection context"),
            names=dict(codes.DetectionContext.choices),
            drill="context",
            column=_("Detections"),
        ),
        _people(reader, codes.PersonGroup.MIGRANT, _("Top citizenships of migrants detected, by sex")),
        _people(reader, codes.PersonGroup.SMUGGLER, _("Top citizenships of smugglers detected, by sex")),
        sankey,
        world,
        _fees(reader),
        _documents(reader),
        _bar(
            reader,
            roles,
            key="roles",
            title=_("Detections naming each smuggler role"),
            names=dict(codes.SmugglerRole.choices),
            drill="role",
            column=_("Detections"),
        ),
        *_harm(reader),
        _bar(
            reader,
            abuses,
            key="abuses",
            title=_("Detections reporting each abuse"),
            names=dict(codes.Abuse.choices),
            drill="abuse",
            column=_("Detections"),
        ),
    ]
