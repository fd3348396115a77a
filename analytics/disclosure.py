"""Disclosure control for dashboards (DESIGN.md section 3).

A cell knows its whole value and the part of it the viewer cannot read record by record (`hidden`:
others' aggregate-only records, or everything of others for the non-contributor tier and the
secretariat) with the participants behind that part. The viewer can rebuild the readable part from
the records, so the tests look at the hidden part:

- primary: a hidden part under `min_cell`, or from fewer than `min_contributors` participants other
  than the viewer's own, suppresses the cell (a total is a cell too);
- differencing: when a participant filter leaves some owners out, the left-out hidden part of each
  cell must pass the same tests, or comparing the filtered view with the unfiltered one would
  reveal it; otherwise the cell is suppressed;
- secondary: in every group of cells shown beside their total, a lone suppressed cell with a hidden
  part gets a partner (the next smallest cell with a hidden part), or the total is suppressed, so
  subtraction from the total recovers nothing. Repeated until no group changes (2-D tables).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass
class Cell:
    value: int = 0
    hidden: int = 0
    hidden_owners: set[int] = field(default_factory=set)
    owners: set[int] = field(default_factory=set)
    left_out_hidden: int = 0
    left_out_owners: set[int] = field(default_factory=set)
    suppressed: bool = False

    def add(self, *, owner: int, value: int, readable: bool, selected: bool = True) -> None:
        if not value:
            return
        if not selected:
            if not readable:
                self.left_out_hidden += value
                self.left_out_owners.add(owner)
            return
        self.value += value
        self.owners.add(owner)
        if not readable:
            self.hidden += value
            self.hidden_owners.add(owner)

    def merge(self, other: Cell) -> None:
        self.value += other.value
        self.hidden += other.hidden
        self.hidden_owners |= other.hidden_owners
        self.owners |= other.owners
        self.left_out_hidden += other.left_out_hidden
        self.left_out_owners |= other.left_out_owners


@dataclass(frozen=True)
class Limits:
    enabled: bool
    min_cell: int
    min_contributors: int


def _unsafe(hidden: int, owners: set[int], limits: Limits) -> bool:
    return hidden > 0 and (hidden < limits.min_cell or len(owners) < limits.min_contributors)


def primary_fails(cell: Cell, limits: Limits) -> bool:
    return _unsafe(cell.hidden, cell.hidden_owners, limits) or _unsafe(
        cell.left_out_hidden, cell.left_out_owners, limits
    )


def protect(
    cells: dict[Hashable, Cell], *, groups: Iterable[tuple[Hashable, list[Hashable]]] = (), limits: Limits
) -> int:
    """Suppress cells in place; `groups` pairs a total's key with the keys of the cells it sums.
    Returns the number of suppressed cells."""
    if not limits.enabled:
        return 0
    for cell in cells.values():
        cell.suppressed = primary_fails(cell, limits)
    groups = [(total, [k for k in members if k in cells]) for total, members in groups]
    changed = True
    while changed:
        changed = False
        for total_key, members in groups:
            total = cells.get(total_key)
            if total is None or total.suppressed:
                continue
            lone = [k for k in members if cells[k].suppressed and cells[k].hidden > 0]
            if len(lone) != 1:
                continue
            partners = sorted(
                (k for k in members if not cells[k].suppressed and cells[k].hidden > 0),
                key=lambda k: cells[k].hidden,
            )
            if partners:
                cells[partners[0]].suppressed = True
            else:
                total.suppressed = True
            changed = True
    return sum(1 for cell in cells.values() if cell.suppressed)


def shown(cell: Cell | None, limits: Limits) -> int | None:
    """The figure the viewer may see, or None when suppressed."""
    if cell is None:
        return 0
    return None if cell.suppressed else cell.value


def label(cell: Cell | None, limits: Limits) -> str:
    """How a table prints a cell: the figure, "<5" for a small suppressed one, "hidden" otherwise."""
    if cell is None:
        return "0"
    if not cell.suppressed:
        return f"{cell.value:,}"
    if cell.value < limits.min_cell:
        return f"<{limits.min_cell}"
    return str(_("hidden"))
