"""Disclosure control for dashboards (docs/reciprocity.md).

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
  subtraction from the total recovers nothing. Repeated until no group changes (2-D tables). A
  total that is shown whatever this viewer's table says (a published-tier figure) is `fixed`.

A suppressed cell withholds only its hidden part: where the viewer can read part of it record by
record, it shows that readable part as a lower bound ("at least 37"), which the viewer could count
from the records itself, so the bound discloses nothing new; the hidden remainder stays withheld.

The decision does not depend on who looks. Besides the viewer's own hidden part, a cell knows its
`protected` part per owner: what no other participant reads record by record (aggregate-only
records, the viewer's own included). The primary test passes only if, for every
possible viewer (each owner, or none of them), the protected part of the others passes; secondary
suppression ranks cells by their protected part. So every viewer with the same region and filters
withholds the same cells, and two viewers' views, set side by side, differ only by what each of
them counts itself: subtracting one from the other recovers no withheld remainder.

The published tier (`published_fails`) is one table for every viewer, tested the same way.
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
    protected: dict[int, int] = field(default_factory=dict)  # owner → part some viewer cannot read

    @property
    def readable(self) -> int:
        """The part of the cell the viewer can count itself, record by record."""
        return self.value - self.hidden

    @property
    def at_risk(self) -> int:
        """The part disclosure control protects: the protected part, or (for a cell built without
        one) the viewer's hidden part."""
        return sum(self.protected.values()) if self.protected else self.hidden

    def add(
        self, *, owner: int, value: int, readable: bool, selected: bool = True, protected: bool | None = None
    ) -> None:
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
        if protected if protected is not None else not readable:
            self.protected[owner] = self.protected.get(owner, 0) + value

    def merge(self, other: Cell) -> None:
        self.value += other.value
        self.hidden += other.hidden
        self.hidden_owners |= other.hidden_owners
        self.owners |= other.owners
        self.left_out_hidden += other.left_out_hidden
        self.left_out_owners |= other.left_out_owners
        for owner, value in other.protected.items():
            self.protected[owner] = self.protected.get(owner, 0) + value


@dataclass(frozen=True)
class Limits:
    enabled: bool
    min_cell: int
    min_contributors: int


def _unsafe(hidden: int, owners: set[int], limits: Limits) -> bool:
    return hidden > 0 and (hidden < limits.min_cell or len(owners) < limits.min_contributors)


def fails_for_some_viewer(parts: dict[int, int], limits: Limits) -> bool:
    """Whether, for some viewer (one of the owners, or none of them), the part of the others in
    `parts` (owner → value) fails the primary tests."""
    total = sum(parts.values())
    owners = {o for o, v in parts.items() if v}
    if _unsafe(total, owners, limits):
        return True
    return any(_unsafe(total - v, owners - {o}, limits) for o, v in parts.items() if v)


def primary_fails(cell: Cell, limits: Limits) -> bool:
    return (
        _unsafe(cell.hidden, cell.hidden_owners, limits)
        or _unsafe(cell.left_out_hidden, cell.left_out_owners, limits)
        or fails_for_some_viewer(cell.protected, limits)
    )


def protect(
    cells: dict[Hashable, Cell],
    *,
    groups: Iterable[tuple[Hashable, list[Hashable]]] = (),
    limits: Limits,
    fixed: Iterable[Hashable] = (),
) -> int:
    """Suppress cells in place; `groups` pairs a total's key with the keys of the cells it sums;
    `fixed` totals are shown whatever happens (never suppressed here). Returns the number of
    suppressed cells."""
    if not limits.enabled:
        return 0
    fixed = set(fixed)
    for key, cell in cells.items():
        cell.suppressed = key not in fixed and primary_fails(cell, limits)
    groups = [(total, [k for k in members if k in cells]) for total, members in groups]
    changed = True
    while changed:
        changed = False
        for total_key, members in groups:
            total = cells.get(total_key)
            if total is None or total.suppressed:
                continue
            lone = [k for k in members if cells[k].suppressed and cells[k].at_risk > 0]
            if len(lone) != 1:
                continue
            # Ranked by the protected part and the key (not by what this viewer reads), so that
            # every viewer picks the same partner.
            partners = sorted(
                (k for k in members if not cells[k].suppressed and cells[k].at_risk > 0),
                key=lambda k: (cells[k].at_risk, str(k)),
            )
            if partners:
                cells[partners[0]].suppressed = True
            elif total_key not in fixed:
                total.suppressed = True
            else:
                continue
            changed = True
    # Counted for this viewer: a cell it reads whole (its own aggregate-only records) is not withheld.
    return sum(1 for cell in cells.values() if cell.suppressed and (cell.hidden > 0 or not cell.protected))


def shown(cell: Cell | None, limits: Limits) -> int | None:
    """The figure the viewer may see: the whole, or for a suppressed cell its readable part (a lower
    bound, see `bound`), or None when nothing of it is readable."""
    if cell is None:
        return 0
    if not cell.suppressed or not cell.hidden:  # withheld from others, but this viewer reads it all
        return cell.value
    return cell.readable or None


def bound(cell: Cell | None) -> bool:
    """True when `shown` is a lower bound: the readable part of a cell whose remainder is withheld."""
    return cell is not None and cell.suppressed and cell.hidden > 0 and cell.readable > 0


def label(cell: Cell | None, limits: Limits) -> str:
    """How a table prints a cell: the figure, "at least N" for the readable part of a suppressed
    one, "<5" for a small suppressed one, "hidden" otherwise."""
    if cell is None:
        return "0"
    if not cell.suppressed or not cell.hidden:
        return f"{cell.value:,}"
    if cell.readable > 0:
        return str(_("at least %(n)s") % {"n": f"{cell.readable:,}"})
    if cell.value < limits.min_cell:
        return f"<{limits.min_cell}"
    return str(_("hidden"))


def published_fails(parts: dict[int, tuple[int, int]], limits: Limits) -> bool:
    """Whether a published-tier figure must be withheld. `parts` maps each owner to (its records in
    the figure, of which aggregate-only). The figure is the same for every viewer, so it is shown
    only if for every viewer (any one of the owners, or none of them) what that viewer cannot count
    itself passes the primary tests: others' whole part for a non-contributor, others'
    aggregate-only part for a contributor (which subtracts the shared records it reads)."""
    if not limits.enabled:
        return False
    return fails_for_some_viewer({o: t for o, (t, _a) in parts.items()}, limits) or fails_for_some_viewer(
        {o: a for o, (_t, a) in parts.items()}, limits
    )
