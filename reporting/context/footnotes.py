"""The national context as footnotes of other pages and exports (record list, drill-down, charts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from reporting.context import selectors
from reporting.context.selectors import Footnote
from reporting.models import Incident


def page_footnotes(*, records: Iterable[Incident]) -> list[Footnote]:
    """Footnotes for the records of a page (already under the rule): their owners' context for the
    months of their returns. Two queries for the context, and one for the months unless the records
    come with their returns."""
    records = list(records)
    if not records:
        return []
    if all(Incident.ret.is_cached(r) for r in records):
        months = {(r.participant_id, r.ret.month) for r in records}
    else:
        months = Incident.objects.filter(pk__in=[r.pk for r in records]).values_list("participant_id", "ret__month")
    return selectors.footnotes_for(owner_months=months)


def footnote_rows(footnotes: list[Footnote]) -> list[list[str]]:
    """Footnotes as the closing rows of an exported table."""
    if not footnotes:
        return []
    return [[], [_("National context")], *[f.as_row() for f in footnotes]]


def export_footnote_rows(*, records) -> Iterator[list[str]]:
    """The closing rows of a records export: read once the records are written (lazily, so a
    streamed export starts at once)."""
    yield from footnote_rows(selectors.record_footnotes(records=records))
