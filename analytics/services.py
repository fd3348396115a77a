"""Writes of the analytics app: building the fact tables from validated incidents.

The facts of a return are recomputed from the incident tables and replaced in one transaction
(idempotent: a retry or a second worker changes nothing). Each fact table is filled by one
`INSERT … SELECT … GROUP BY`, in SQL that PostgreSQL and the embedded SQLite both accept but for
two spellings (`_Dialect`), so one return takes milliseconds and a full rebuild costs about what
the raw aggregate costs.
"""

# ruff: noqa: S608 - the SQL below is built from constant column lists only; values go as parameters

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from analytics.models import FACT_MODELS, FactSet
from reporting.models import Incident, Return, ReturnOutbox

logger = logging.getLogger(__name__)

COMMON = "ret_id, participant_id, month, sharing, submitted, embargo_until, categories, modes, origin, destination"


@dataclass(frozen=True)
class _Dialect:
    """What PostgreSQL and SQLite spell differently: the elements of a JSON list of codes as rows
    (a table function in FROM, its column named `value`) and an ordered concatenation."""

    elements: str  # filled with column and alias
    concat: str  # filled with value: the values of one group joined by "|" in ascending order

    def each(self, column: str, alias: str) -> str:
        return self.elements.format(column=column, alias=alias)


_DIALECTS = {
    "postgresql": _Dialect(
        elements="jsonb_array_elements_text({column}) AS {alias}(value)",
        concat="string_agg({value}, '|' ORDER BY {value})",
    ),
    # SQLite 3.40 has no ORDER BY inside an aggregate: group_concat keeps the order of an ordered sub-select.
    "sqlite": _Dialect(elements="json_each({column}) AS {alias}", concat="group_concat({value}, '|')"),
}


def _dialect() -> _Dialect:
    try:
        return _DIALECTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"fact tables are built on PostgreSQL or SQLite, not {connection.vendor}") from None


def _sorted_key(d: _Dialect, column: str) -> str:
    """SQL for the sorted "|a|b|" key of a JSON list of codes ("||" when empty)."""
    return (
        f"'|' || COALESCE((SELECT {d.concat.format(value='s.value')} "
        f"FROM (SELECT e.value FROM {d.each('i.' + column, 'e')} ORDER BY e.value) AS s), '') || '|'"
    )


# The validated records of the returns chosen by {where}, with their return's month and status.
# Only validated records enter facts (DESIGN.md section 2); the rule's inputs travel with each row.
# They are computed once into a temporary table that the seven INSERTs read: the sorted keys and
# the first transit country cost a sub-select per record, which a CTE would repeat per statement.
INC = "analytics_inc"


def _base(d: _Dialect, where: str) -> str:
    return f"""
    SELECT i.id, i.ret_id, i.participant_id, r.month, i.sharing_level AS sharing,
           (r.status = 'submitted') AS submitted, i.embargo_until,
           {_sorted_key(d, "categories")} AS categories,
           {_sorted_key(d, "modes")} AS modes,
           i.origin_country AS origin, i.destination_country AS destination,
           i.detection_context, i.migrants_total, i.smugglers_total, i.dead, i.missing, i.injured,
           i.rescued, i.fee_usd, i.smuggler_roles, i.abuses,
           COALESCE((SELECT t.country FROM reporting_incidenttransit t
                      WHERE t.incident_id = i.id ORDER BY t.sequence LIMIT 1), '') AS transit
      FROM reporting_incident i JOIN reporting_return r ON r.id = i.ret_id
     WHERE i.status = 'validated' AND {where}
"""


def _inserts(d: _Dialect) -> tuple[str, ...]:
    return (
        f"""INSERT INTO analytics_incidentfact ({COMMON}, detection_context, incidents, migrants, smugglers,
                dead, missing, injured, rescued)
            SELECT {COMMON}, detection_context, count(*), sum(migrants_total), sum(smugglers_total),
                   sum(dead), sum(missing), sum(injured), sum(rescued)
              FROM inc GROUP BY {COMMON}, detection_context""",
        # Sankey and map: the route's first transit country (none: a direct route).
        f"""INSERT INTO analytics_routefact ({COMMON}, transit, incidents, migrants)
            SELECT {COMMON}, transit, count(*), sum(migrants_total)
              FROM inc GROUP BY {COMMON}, transit""",
        f"""INSERT INTO analytics_peoplefact ({COMMON}, "group", citizenship, sex, age_group, incidents,
                persons, unaccompanied)
            SELECT {COMMON}, b."group", b.citizenship, b.sex, b.age_group, count(DISTINCT inc.id), sum(b.count),
                   sum(b.unaccompanied)
              FROM inc JOIN reporting_personbreakdown b ON b.incident_id = inc.id
             GROUP BY {COMMON}, b."group", b.citizenship, b.sex, b.age_group""",
        f"""INSERT INTO analytics_feefact ({COMMON}, fee_usd, incidents)
            SELECT {COMMON}, CAST(round(fee_usd) AS integer), count(*)
              FROM inc WHERE fee_usd IS NOT NULL
             GROUP BY {COMMON}, CAST(round(fee_usd) AS integer)""",
        f"""INSERT INTO analytics_documentfact ({COMMON}, document_type, fraud_type, issuing_country,
                incidents, documents)
            SELECT {COMMON}, dd.document_type, dd.fraud_type, dd.issuing_country, count(DISTINCT inc.id),
                   sum(dd.count)
              FROM inc JOIN reporting_incidentdocument dd ON dd.incident_id = inc.id
             GROUP BY {COMMON}, dd.document_type, dd.fraud_type, dd.issuing_country""",
        f"""INSERT INTO analytics_rolefact ({COMMON}, role, incidents, smugglers)
            SELECT {COMMON}, e.value, count(*), sum(smugglers_total)
              FROM inc, {d.each("inc.smuggler_roles", "e")}
             GROUP BY {COMMON}, e.value""",
        f"""INSERT INTO analytics_abusefact ({COMMON}, abuse, incidents)
            SELECT {COMMON}, e.value, count(*)
              FROM inc, {d.each("inc.abuses", "e")}
             GROUP BY {COMMON}, e.value""",
    )


def _insert_facts(*, where: str, params: list) -> None:
    """Fill every fact table from the validated records chosen by `where`. Call inside a transaction."""
    d = _dialect()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {INC}")
        cursor.execute(f"CREATE TEMPORARY TABLE {INC} AS {_base(d, where)}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {INC}")  # row counts for the joins' plans
        for insert in _inserts(d):
            cursor.execute(f"WITH inc AS (SELECT * FROM {INC}) {insert}")
        cursor.execute(f"DROP TABLE {INC}")


def _clear_outbox(marks: dict[int, dt.datetime]) -> None:
    """Remove the outbox rows this build covered, unless a change re-marked them meanwhile
    (then marked_at differs and the row stays for the next build)."""
    for ret_id, marked_at in marks.items():
        ReturnOutbox.objects.filter(ret_id=ret_id, marked_at=marked_at).delete()


def facts_rebuild(*, return_id: int) -> FactSet | None:
    """Recompute and replace one return's facts, then clear its outbox row if not re-marked.

    Safe to run twice or concurrently: the return row is locked for the build, so builds of one
    return run one after the other. Returns None if the return no longer exists.
    """
    _dialect()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One return is a few thousand rows: the JSON functions' default row estimates make the
            # planner expect far more and spend ~0.3 s compiling JIT code for a 10 ms query. And its
            # records join their breakdown and document rows best by index look-ups: a merge join
            # walks the whole breakdown index up to the return's ids (seconds at 1M incidents).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
                cursor.execute("SET LOCAL enable_hashjoin = off")
        # of=("self",): Return's default ordering joins the participant, and FOR UPDATE would lock its
        # row too, against the record writers' order (a deadlock under concurrent validations).
        ret = Return.objects.select_for_update(of=("self",)).filter(pk=return_id).first()
        marks = dict(ReturnOutbox.objects.filter(ret_id=return_id).values_list("ret_id", "marked_at"))
        if ret is None:
            _clear_outbox(marks)
            return None
        for model in FACT_MODELS:
            model.objects.filter(ret_id=return_id).delete()
        _insert_facts(where="i.ret_id = %s", params=[return_id])
        fact_set, _ = FactSet.objects.update_or_create(
            ret=ret,
            defaults={
                "participant_id": ret.participant_id,
                "month": ret.month,
                "submitted": ret.status == Return.Status.SUBMITTED,
                "incidents": Incident.objects.filter(ret_id=return_id, status=Incident.Status.VALIDATED).count(),
                "built_at": timezone.now(),
            },
        )
        _clear_outbox(marks)
    return fact_set


@dataclass(frozen=True)
class RebuildAllResult:
    returns: int
    incidents: int
    seconds: float


def facts_rebuild_all() -> RebuildAllResult:
    """Rebuild every return's facts in one transaction (after a schema change or a restore)."""
    _dialect()
    started = timezone.now()
    with transaction.atomic():
        # Serialise with per-return builds and with writers of returns for the few seconds it takes
        # (SQLite has no table locks: a writing transaction holds the whole database anyway).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE reporting_return IN SHARE ROW EXCLUSIVE MODE")
        marks = dict(ReturnOutbox.objects.values_list("ret_id", "marked_at"))
        with connection.cursor() as cursor:
            for model in (*FACT_MODELS, FactSet):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        _insert_facts(where="1 = 1", params=[])
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO analytics_factset (ret_id, participant_id, month, submitted, incidents, built_at)
                   SELECT r.id, r.participant_id, r.month, (r.status = 'submitted'),
                          (SELECT count(*) FROM reporting_incident i
                            WHERE i.ret_id = r.id AND i.status = 'validated'), %s
                     FROM reporting_return r""",
                [now],
            )
        returns = FactSet.objects.count()
        incidents = sum(FactSet.objects.values_list("incidents", flat=True))
        _clear_outbox(marks)
    return RebuildAllResult(returns=returns, incidents=incidents, seconds=(timezone.now() - started).total_seconds())


@dataclass(frozen=True)
class SweepResult:
    rebuilt: int
    failed: int


def facts_sweep(*, limit: int = 500) -> SweepResult:
    """Rebuild the returns still marked dirty (a broker or worker was down when they changed, or a
    build failed). Oldest first; a failing return is counted and left for the next sweep."""
    rebuilt = failed = 0
    for ret_id in ReturnOutbox.objects.order_by("marked_at").values_list("ret_id", flat=True)[:limit]:
        try:
            facts_rebuild(return_id=ret_id)
            rebuilt += 1
        except Exception:  # noqa: BLE001 - one bad return must not stop the sweep of the others
            failed += 1
            ReturnOutbox.objects.filter(ret_id=ret_id).update(attempts=F("attempts") + 1)
            logger.exception("facts rebuild of return %s failed; it stays in the outbox", ret_id)
    if rebuilt or failed:
        logger.info("facts sweep: %d rebuilt, %d failed", rebuilt, failed)
    return SweepResult(rebuilt=rebuilt, failed=failed)
