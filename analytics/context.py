"""National context beside the dashboard's figures (docs/context.md): which participants' notes and
profiles each chart carries as footnotes.

A chart carries a participant's note or profile exactly when the chart's figures hold that
participant's data in the note's (or profile's) period. The (participant, month) pairs come from
the same fact rows, filtered by the same scope and participant filter, as the figures themselves
(`FactReader.rows`): no participant outside the viewer's figures can reach a footnote. The published
tier's chart takes its pairs from the published figures actually shown (whole quarters); the
coverage grid, which shows returns rather than data, carries none.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics.models import IncidentFact
from reporting.context.selectors import Footnote, footnotes_for
from reporting.reciprocity import month_add

if TYPE_CHECKING:
    from analytics.charts import Chart
    from analytics.facts import FactReader

NO_FOOTNOTES = ("coverage",)


def fact_owner_months(reader: FactReader) -> set[tuple]:
    """(participant, month) pairs with data in the viewer's fact charts."""
    return {
        (row["participant_id"], row["month"])
        for row in reader.rows(IncidentFact, ["month"], ["incidents"])
        if row["incidents"] and row["participant_id"] in reader.selected
    }


def published_owner_months(reader: FactReader) -> set[tuple]:
    """(participant, month) pairs with data in the published figures shown (a figure shown only as
    a lower bound holds the shared part alone)."""
    pairs = set()
    figures = reader.published_figures()
    for key, parts in reader.published_parts().items():
        if key not in figures:
            continue
        quarter, partial = key[0], figures[key][1]
        start = dt.date(quarter[0], 3 * quarter[1] - 2, 1)
        for owner, (total, aggregate_only) in parts.items():
            if (total - aggregate_only if partial else total) > 0:
                pairs |= {(owner, month_add(start, i)) for i in range(3)}
    return pairs


def footnote_months(*, reader: FactReader, charts: list[Chart]) -> dict[str, frozenset[tuple]]:
    """{chart key: the (participant, month) pairs whose notes and profiles the chart carries}. They
    come from the fact rows alone, so they are cached with the charts (`dashboard_get`)."""
    keys = [c.key for c in charts if c.participants and c.key not in NO_FOOTNOTES]
    if not keys:
        return {}
    facts = frozenset(fact_owner_months(reader))
    result = {key: facts for key in keys if key != "published"}
    if "published" in keys:
        result["published"] = frozenset(published_owner_months(reader))
    return result


def chart_footnotes(months: dict[str, frozenset[tuple]]) -> dict[str, list[Footnote]]:
    """{chart key: footnotes} for the pairs of `footnote_months`, read now (a note written now
    shows now): two queries per distinct set of pairs."""
    found: dict[frozenset, list[Footnote]] = {}
    for pairs in months.values():
        if pairs not in found:
            found[pairs] = footnotes_for(owner_months=pairs)
    return {key: found[pairs] for key, pairs in months.items()}
