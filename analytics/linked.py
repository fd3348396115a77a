"""Regional totals that count a linked venture once (docs/links.md, "Counting a venture once").

A confirmed link's second record carries, in its IncidentFact row, the owner of the first record
(`linked_owner`; 0 when not a linked duplicate, or when the first record was not shared, validated
and in a submitted return, embargo over, at the build). A viewer's figure counts the second record
once only where it also sums the first: its owner is the viewer's own participant or one whose data
the viewer's aggregates sum (`reciprocity.aggregate_scope`), and the participant filter keeps it.
The three figures (all detections, a venture counted once, linked duplicates) go through disclosure
control together, the first being the sum of the other two, so no withheld figure can be recovered
by subtraction.
"""

from __future__ import annotations

from analytics.disclosure import Cell, bound, label, protect, shown

ALL, ONCE, LINKED = "all", "once", "linked"


def summed_owners(reader) -> frozenset[int]:
    """Owners whose shared records enter this viewer's figures (the first records that may count)."""
    scope = reader.scope
    own = {scope.own_participant_id} if scope.own_participant_id is not None else set()
    return frozenset((own | set(scope.aggregate_owner_ids)) & set(reader.selected))


def linked_cells(reader, rows: list[dict], measure: str = "incidents") -> dict[str, Cell]:
    """{ALL, ONCE, LINKED: Cell} of one measure from IncidentFact rows read with `linked_owner`."""
    firsts = summed_owners(reader)
    cells = {ALL: Cell(), ONCE: Cell(), LINKED: Cell()}
    for row in rows:
        value = row[measure] or 0
        part = LINKED if row.get("linked_owner") in firsts else ONCE
        for key in (ALL, part):
            cells[key].add(
                owner=row["participant_id"],
                value=value,
                readable=row["readable"],
                selected=row["participant_id"] in reader.selected,
                protected=row["protected"],
            )
    return cells


def linked_figures(reader, rows: list[dict]) -> dict[str, tuple[int | None, str, bool]]:
    """{ONCE, LINKED: (figure or None, printed label, lower bound?)} of detections for this viewer,
    under disclosure control (the total and its two parts as one group)."""
    cells = linked_cells(reader, rows)
    protect(cells, groups=[(ALL, [ONCE, LINKED])], limits=reader.limits)
    limits = reader.limits
    return {k: (shown(cells[k], limits), label(cells[k], limits), bound(cells[k])) for k in (ONCE, LINKED)}


def headline_rows(reader, before, now_rows: list[dict], before_rows: list[dict]) -> list:
    """The headline's two rows for linked ventures: detections with a linked venture counted once,
    and the detections linked to a record of another participant counted (the difference)."""
    from django.utils.translation import gettext as _

    from analytics.charts import Row

    now, then = linked_figures(reader, now_rows), linked_figures(before, before_rows)
    names = {ONCE: _("Detections, a linked venture counted once"), LINKED: _("Detections linked to another's record")}
    drill = {"from": f"{reader.filters.month_from:%Y-%m}", "to": f"{reader.filters.month_to:%Y-%m}"}
    rows = []
    for key in (ONCE, LINKED):
        (v_now, l_now, b_now), (v_then, l_then, b_then) = now[key], then[key]
        rows.append(
            Row(
                str(names[key]),
                [v_now, v_then if before_rows else None],
                [l_now, l_then if before_rows else str(_("not reporting"))],
                drill,  # the period's records (the drill-down has no filter on links)
                bounds=[b_now, b_then],
                codes=["—"],
            )
        )
    return rows
