"""Writes of the analytics app: building the fact tables from validated incidents.

The facts of a return are recomputed from the incident tables and replaced in one transaction
(idempotent: a retry or a second worker changes nothing). Each fact table's rows are one
`SELECT … GROUP BY` over the validated records, in SQL that PostgreSQL and the embedded SQLite both
accept but for a few spellings (`_Dialect`). A full rebuild inserts them all (about what the raw
aggregate costs); one return's rebuild on PostgreSQL is one statement that writes only the rows
that differ from what the tables hold (`_replace_one_return`).
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
from reporting.models import Return, ReturnOutbox

logger = logging.getLogger(__name__)

# The columns every fact row has: its return's (one value per return) and its records' filter keys.
OF_RETURN = "ret_id, participant_id, month, submitted"
OF_RECORDS = "sharing, embargo_until, categories, modes, origin, destination"
COMMON = f"{OF_RETURN}, {OF_RECORDS}"


@dataclass(frozen=True)
class _Dialect:
    """What PostgreSQL and SQLite spell differently: the elements of a JSON list of codes as rows
    (a table function in FROM, its column named `value`), an ordered concatenation, a list's length
    and its first and second elements as text."""

    elements: str  # filled with column and alias
    concat: str  # filled with value: the values of one group joined by "|" in ascending order
    length: str  # filled with column
    first: str  # filled with column
    second: str  # filled with column

    def each(self, column: str, alias: str) -> str:
        return self.elements.format(column=column, alias=alias)


_DIALECTS = {
    "postgresql": _Dialect(
        elements="jsonb_array_elements_text({column}) AS {alias}(value)",
        concat="string_agg({value}, '|' ORDER BY {value})",
        length="jsonb_array_length({column})",
        first="({column} ->> 0)",
        second="({column} ->> 1)",
    ),
    # SQLite 3.40 has no ORDER BY inside an aggregate: group_concat keeps the order of an ordered sub-select.
    "sqlite": _Dialect(
        elements="json_each({column}) AS {alias}",
        concat="group_concat({value}, '|')",
        length="json_array_length({column})",
        first="json_extract({column}, '$[0]')",
        second="json_extract({column}, '$[1]')",
    ),
}


def _dialect() -> _Dialect:
    try:
        return _DIALECTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"fact tables are built on PostgreSQL or SQLite, not {connection.vendor}") from None


def _sorted_key(d: _Dialect, column: str) -> str:
    """SQL for the sorted "|a|b|" key of a JSON list of codes ("||" when empty). Most records have
    one or two codes: those skip the sub-select that sorts (a sub-plan per record, a third of the
    time of one return's rebuild). Every branch orders by the same comparison of text values."""
    column = "i." + column
    first = d.first.format(column=column)
    second = d.second.format(column=column)
    return (
        f"CASE {d.length.format(column=column)} WHEN 0 THEN '||' "
        f"WHEN 1 THEN '|' || {first} || '|' "
        f"WHEN 2 THEN CASE WHEN {first} <= {second} THEN '|' || {first} || '|' || {second} || '|' "
        f"ELSE '|' || {second} || '|' || {first} || '|' END "
        f"ELSE '|' || COALESCE((SELECT {d.concat.format(value='s.value')} "
        f"FROM (SELECT e.value FROM {d.each(column, 'e')} ORDER BY e.value) AS s), '') || '|' END"
    )


# The validated records of the returns chosen by {where}, with their return's month and status.
# Only validated records enter facts (docs/workflow.md); the rule's inputs travel with each row.
# They are computed once (a temporary table, or a materialised CTE for one return) that every fact
# table's query reads: the sorted keys and the first transit country cost work per record.
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
           CASE WHEN {d.length.format(column="i.abuses")} > 0 THEN 1 ELSE 0 END AS abused,
           COALESCE((SELECT t.country FROM reporting_incidenttransit t
                      WHERE t.incident_id = i.id ORDER BY t.sequence LIMIT 1), '') AS transit,
           {LINKED_OWNER} AS linked_owner
      FROM reporting_incident i JOIN reporting_return r ON r.id = i.ret_id
     WHERE i.status = 'validated' AND {where}
"""


# A confirmed link's second record: the owner of its first record, where that record is shared
# record by record now (validated, shared, in a submitted return, embargo over), else 0
# (analytics/linked.py). Links are few: one probe of the link table's second_id index per record.
LINKED_OWNER = """COALESCE((SELECT min(l.first_participant_id) FROM reporting_incidentlink l
           JOIN reporting_incident p ON p.id = l.first_id JOIN reporting_return pr ON pr.id = p.ret_id
          WHERE l.second_id = i.id AND l.status = 'confirmed' AND p.status = 'validated'
            AND p.sharing_level = 'shared' AND pr.status = 'submitted'
            AND (p.embargo_until IS NULL OR p.embargo_until <= CURRENT_DATE)), 0)"""


@dataclass(frozen=True)
class _FactSql:
    """How one fact table is computed from the records (`inc`): its own columns after the common
    ones, their expressions, where they come from, and what else they are grouped by."""

    table: str
    columns: str
    select: str
    source: str
    group: str

    def query(self, *, one_return: bool = False) -> str:
        """The table's rows as a SELECT (the columns in COMMON, then `columns`, in order). For one
        return, its own columns come as parameters: they hold one value, and grouping by them
        only added hashing to every row."""
        if not one_return:
            return f"SELECT {COMMON}, {self.select}\n{self.source} GROUP BY {COMMON}, {self.group}"
        constants = (
            "CAST(%(ret)s AS bigint), CAST(%(participant)s AS bigint), CAST(%(month)s AS date), "
            "CAST(%(submitted)s AS boolean)"
        )
        return f"SELECT {constants}, {OF_RECORDS}, {self.select}\n{self.source} GROUP BY {OF_RECORDS}, {self.group}"

    def insert(self) -> str:
        return f"INSERT INTO {self.table} ({COMMON}, {self.columns})\n{self.query()}"

    def row(self, alias: str) -> str:
        """Every column of a row, for comparing rows (NULL cannot be compared: a date stands in)."""
        names = [c.strip() for c in f"{COMMON}, {self.columns}".split(",")]
        return ", ".join(
            f"COALESCE({alias}.{c}, DATE '0001-01-01')" if c == "embargo_until" else f"{alias}.{c}" for c in names
        )


def _facts_sql(d: _Dialect) -> tuple[_FactSql, ...]:
    return (
        _FactSql(
            "analytics_incidentfact",
            "detection_context, linked_owner, incidents, migrants, smugglers, dead, missing, injured, rescued, abused",
            "detection_context, linked_owner, count(*), sum(migrants_total), sum(smugglers_total), sum(dead), "
            "sum(missing), sum(injured), sum(rescued), sum(abused)",
            "FROM inc",
            "detection_context, linked_owner",
        ),
        # Sankey and map: the route's first transit country (none: a direct route).
        _FactSql(
            "analytics_routefact",
            "transit, incidents, migrants",
            "transit, count(*), sum(migrants_total)",
            "FROM inc",
            "transit",
        ),  # fmt: skip
        # A record has one breakdown row per (group, citizenship, sex, age group) (the constraint
        # breakdown_unique_cell), so count(*) counts records: no DISTINCT and its sort.
        _FactSql(
            "analytics_peoplefact",
            '"group", citizenship, sex, age_group, incidents, persons, unaccompanied',
            'b."group", b.citizenship, b.sex, b.age_group, count(*), sum(b.count), sum(b.unaccompanied)',
            "FROM inc JOIN reporting_personbreakdown b ON b.incident_id = inc.id",
            'b."group", b.citizenship, b.sex, b.age_group',
        ),
        _FactSql(
            "analytics_feefact",
            "fee_usd, incidents",
            "CAST(round(fee_usd) AS integer), count(*)",
            "FROM inc WHERE fee_usd IS NOT NULL",
            "CAST(round(fee_usd) AS integer)",
        ),
        # Nothing stops a record from listing the same kind of document twice: records are counted once.
        _FactSql(
            "analytics_documentfact",
            "document_type, fraud_type, issuing_country, incidents, documents",
            "dd.document_type, dd.fraud_type, dd.issuing_country, count(DISTINCT inc.id), sum(dd.count)",
            "FROM inc JOIN reporting_incidentdocument dd ON dd.incident_id = inc.id",
            "dd.document_type, dd.fraud_type, dd.issuing_country",
        ),
        _FactSql(
            "analytics_rolefact",
            "role, incidents, smugglers",
            "e.value, count(*), sum(smugglers_total)",
            f"FROM inc, {d.each('inc.smuggler_roles', 'e')}",
            "e.value",
        ),  # fmt: skip
        _FactSql(
            "analytics_abusefact",
            "abuse, incidents",
            "e.value, count(*)",
            f"FROM inc, {d.each('inc.abuses', 'e')}",
            "e.value",
        ),  # fmt: skip
    )


def _inserts(d: _Dialect) -> tuple[str, ...]:
    """One INSERT … SELECT … GROUP BY per fact table, reading the records as `inc`."""
    return tuple(fact.insert() for fact in _facts_sql(d))


def _replace_one_return(d: _Dialect, ret: Return) -> int:
    """Make one return's fact rows equal to what its records give now, in one statement, writing
    only the rows that differ; return how many validated records the return holds.

    A change to a record alters a handful of the return's thousands of fact rows: deleting and
    inserting them all would put every row through three or four indexes and the WAL. The records
    are computed once (a materialised CTE); each table's new rows too; then each table loses the
    rows that are no longer among the new ones and gains the new ones it lacks (NOT IN against a
    hashed sub-plan). Data-modifying CTEs all see the tables as they were before the statement, so
    the two halves do not see each other's work.
    """
    parts = [f"inc AS MATERIALIZED ({_base(d, 'i.ret_id = %(ret)s')})"]
    for n, fact in enumerate(_facts_sql(d)):
        parts.append(f"n{n} ({COMMON}, {fact.columns}) AS MATERIALIZED ({fact.query(one_return=True)})")
        parts.append(
            f"d{n} AS (DELETE FROM {fact.table} f WHERE f.ret_id = %(ret)s "
            f"AND ({fact.row('f')}) NOT IN (SELECT {fact.row('x')} FROM n{n} x))"
        )
        parts.append(
            f"i{n} AS (INSERT INTO {fact.table} ({COMMON}, {fact.columns}) SELECT * FROM n{n} x "
            f"WHERE ({fact.row('x')}) NOT IN (SELECT {fact.row('f')} FROM {fact.table} f WHERE f.ret_id = %(ret)s))"
        )
    params = {
        "ret": ret.pk,
        "participant": ret.participant_id,
        "month": ret.month,
        "submitted": ret.status == Return.Status.SUBMITTED,
    }
    with connection.cursor() as cursor:
        cursor.execute("WITH " + ",\n".join(parts) + "\nSELECT count(*) FROM inc", params)
        return cursor.fetchone()[0]


def _facts_replace(d: _Dialect, ret: Return) -> int:
    """Replace one return's fact rows; return how many validated records it holds."""
    if connection.vendor == "postgresql":
        return _replace_one_return(d, ret)
    with connection.cursor() as cursor:
        for model in FACT_MODELS:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE ret_id = %s", [ret.pk])
    return _insert_facts(where="i.ret_id = %s", params=[ret.pk])


def _insert_facts(*, where: str, params: list) -> int:
    """Fill every fact table from the validated records chosen by `where` (their fact rows must be
    gone); return how many records that was. Call inside a transaction.

    The records are computed once into a temporary table that the seven INSERTs read (the sorted
    keys and the first transit country cost a sub-select per record), analysed on PostgreSQL so a
    million rows get good plans.
    """
    d = _dialect()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {INC}")
        cursor.execute(f"CREATE TEMPORARY TABLE {INC} AS {_base(d, where)}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {INC}")  # row counts for the joins' plans
        for insert in _inserts(d):
            cursor.execute(f"WITH inc AS (SELECT * FROM {INC}) {insert}")
        cursor.execute(f"SELECT count(*) FROM {INC}")
        records = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {INC}")
        return records


def _linked_returns_mark(*, ret_id: int) -> None:
    """Mark for a rebuild the returns of records confirmed as linked duplicates of this return's
    records: whether they count once depends on their first record, rebuilt here (its sharing,
    status or embargo may have changed). A link's first record is detected before its second, so
    the marks never come back around."""
    from reporting.linking.models import IncidentLink

    ret_ids = set(
        IncidentLink.objects.filter(status=IncidentLink.Status.CONFIRMED, first__ret_id=ret_id)
        .exclude(second__ret_id=ret_id)
        .values_list("second__ret_id", flat=True)
    )
    now = timezone.now()
    for other in ret_ids:
        ReturnOutbox.objects.update_or_create(ret_id=other, defaults={"marked_at": now})


def _clear_outbox(marks: dict[int, dt.datetime]) -> None:
    """Remove the outbox rows this build covered, unless a change re-marked them meanwhile
    (then marked_at differs and the row stays for the next build)."""
    for ret_id, marked_at in marks.items():
        ReturnOutbox.objects.filter(ret_id=ret_id, marked_at=marked_at).delete()


# Builds of single returns may run side by side (each holds its return's row); a full rebuild
# replaces every table at once, so it takes this lock alone and per-return builds share it.
# (A table lock on reporting_return would not do: the FOR UPDATE of a row does not conflict with it.)
FULL_REBUILD_LOCK = 0x76727366  # "vrsf"


def facts_rebuild(*, return_id: int) -> FactSet | None:
    """Recompute and replace one return's facts, then clear its outbox row if not re-marked.

    Safe to run twice or concurrently: the return row is locked for the build, so builds of one
    return run one after the other (and never beside a full rebuild). Returns None if the return
    no longer exists.
    """
    d = _dialect()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One return is a few thousand rows: the JSON functions' default row estimates make the
            # planner expect far more and compile JIT code that costs more than the query. Its
            # records join their breakdown and document rows best by index look-ups: a merge or
            # hash join reads the whole breakdown table or index. And
            # with those estimates the groups would be sorted (text under the database's collation)
            # rather than hashed in memory (a few MB for the largest return).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_hashjoin = off; "
                    "SET LOCAL work_mem = '32MB'; SELECT pg_advisory_xact_lock_shared(%s)",
                    [FULL_REBUILD_LOCK],
                )
        # of=("self",): Return's default ordering joins the participant, and FOR UPDATE would lock its
        # row too, against the record writers' order (a deadlock under concurrent validations).
        # no_key: a record being added to the return (its foreign key check) need not wait for us.
        ret = Return.objects.select_for_update(of=("self",), no_key=True).filter(pk=return_id).first()
        marks = dict(ReturnOutbox.objects.filter(ret_id=return_id).values_list("ret_id", "marked_at"))
        if ret is None:
            _clear_outbox(marks)
            return None
        records = _facts_replace(d, ret)
        _linked_returns_mark(ret_id=ret.pk)
        fact_set, _ = FactSet.objects.update_or_create(
            ret=ret,
            defaults={
                "participant_id": ret.participant_id,
                "month": ret.month,
                "submitted": ret.status == Return.Status.SUBMITTED,
                "incidents": records,
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
        # Serialise with per-return builds (FULL_REBUILD_LOCK) and with writers of returns for the
        # time it takes (SQLite has no such locks: a writing transaction holds the whole database).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FULL_REBUILD_LOCK])
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
