"""The secretariat's console at ten years' scale (issue 8): the audit trail's search over a million
reads of records and hundreds of thousands of other audited acts, the coverage grid, the participants
about to lose access and the policy preview, with 45 participants."""

from bench.registry import Case, Context, register

INCIDENTS = 20_000  # the console reads returns, standings and audit rows, not incidents
ACCESS_EVENTS = {"full": 1_000_000, "quick": 20_000}
AUDIT_ENTRIES = {"full": 200_000, "quick": 5_000}
GRANT_CHANGES = {"full": 100_000, "quick": 2_000}
YEARS = 10
LIMIT = 300  # rows of the audit page


def _history_add(*, access: int, entries: int, grants: int) -> None:
    """Ten years of audited acts, spread evenly in time, written with one INSERT … SELECT each."""
    from django.db import connection

    from accounts.models import AuditEntry, Participant, User
    from reporting.models import AccessEvent, GrantChange

    users = list(User.objects.values_list("pk", flat=True))
    participants = list(Participant.objects.values_list("pk", flat=True))
    vias = [v for v, _label in AccessEvent.Via.choices]
    actions = [AuditEntry.Action.SIGNED_IN, AuditEntry.Action.EXPORTED, AuditEntry.Action.ROLE_CHANGED]
    span = f"{YEARS * 365} days"
    tables = {AccessEvent._meta.db_table, AuditEntry._meta.db_table, GrantChange._meta.db_table}
    assert tables == {"reporting_accessevent", "accounts_auditentry", "reporting_grantchange"}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reporting_accessevent (user_id, viewer_id, owner_id, record_count, via, at)
            SELECT (%(users)s::bigint[])[1 + i %% cardinality(%(users)s::bigint[])],
                   (%(parts)s::bigint[])[1 + i %% cardinality(%(parts)s::bigint[])],
                   (%(parts)s::bigint[])[1 + (i / 7) %% cardinality(%(parts)s::bigint[])],
                   1 + i %% 25,
                   (%(vias)s::text[])[1 + i %% cardinality(%(vias)s::text[])],
                   now() - (i::float / %(n)s) * interval %(span)s
            FROM generate_series(1, %(n)s) AS i
            """,
            {"users": users, "parts": participants, "vias": vias, "n": access, "span": span},
        )
        cursor.execute(
            """
            INSERT INTO accounts_auditentry (at, actor_id, action, summary, participant_id, details)
            SELECT now() - (i::float / %(n)s) * interval %(span)s,
                   (%(users)s::bigint[])[1 + i %% cardinality(%(users)s::bigint[])],
                   (%(actions)s::text[])[1 + i %% cardinality(%(actions)s::text[])],
                   'bench act ' || i,
                   (%(parts)s::bigint[])[1 + i %% cardinality(%(parts)s::bigint[])],
                   '{}'::jsonb
            FROM generate_series(1, %(n)s) AS i
            """,
            {"users": users, "parts": participants, "actions": actions, "n": entries, "span": span},
        )
        cursor.execute(
            """
            INSERT INTO reporting_grantchange (kind, owner_id, viewer_id, policy_version, trigger, at)
            SELECT CASE WHEN i %% 2 = 0 THEN 'granted' ELSE 'revoked' END,
                   (%(parts)s::bigint[])[1 + i %% cardinality(%(parts)s::bigint[])],
                   (%(parts)s::bigint[])[1 + (i / 3) %% cardinality(%(parts)s::bigint[])],
                   1, 'bench', now() - (i::float / %(n)s) * interval %(span)s
            FROM generate_series(1, %(n)s) AS i
            """,
            {"parts": participants, "n": grants, "span": span},
        )
        cursor.execute("ANALYZE")


@register(name="console", title="The secretariat's console: audit search, coverage and policy preview at scale")
def run(ctx: Context) -> list[Case]:
    """The demo data set with 45 participants (as the `reciprocity` benchmark, 20,000 incidents: the
    console does not read incidents) plus ten years of audited acts: a million reads of others'
    records (`AccessEvent`), 200,000 console and sign-in entries (`AuditEntry`) and 100,000 grant
    changes. **Audit page**: `audit_search` for the page's newest 300 rows of every kind, for one
    participant with a text, and for one user, against the baseline of the newest 300 `AuditEntry` rows
    alone (one indexed query). **Coverage**: the participant × month grid for 24 months, the list of
    participants about to lose access, and the policy preview of a stricter rule (standings and grants
    before and after, through `reporting/reciprocity.py`). Runs interleaved, after warm-up. Target: each
    page's work under 0.5 s."""
    from django.utils import timezone

    from accounts.models import AuditEntry, Participant
    from bench.reciprocity import PARTICIPANTS, _interleaved, _seed
    from reporting.compliance import access_at_risk, coverage_grid, coverage_months, policy_preview
    from reporting.console.audit import audit_search
    from reporting.models import ReciprocityPolicy
    from reporting.reciprocity import current_policy
    from reporting.services.sharing import POLICY_FIELDS

    size = "quick" if ctx.quick else "full"
    _seed(INCIDENTS, ctx.log)
    _history_add(access=ACCESS_EVENTS[size], entries=AUDIT_ENTRIES[size], grants=GRANT_CHANGES[size])
    ctx.log(
        f"  history: {ACCESS_EVENTS[size]:,} reads, {AUDIT_ENTRIES[size]:,} entries, {GRANT_CHANGES[size]:,} grants"
    )
    aus = Participant.objects.get(code="AUS")
    policy = current_policy()
    stricter = ReciprocityPolicy(
        version=policy.version + 1, **{**{f: getattr(policy, f) for f in POLICY_FIELDS}, "min_returns": 5}
    )
    months = coverage_months(on=timezone.localdate(), count=24)
    repeat = ctx.repeats(5 if ctx.quick else 11)
    ctx.log(f"  {Participant.objects.count()} participants (target {PARTICIPANTS}); {repeat} interleaved runs")
    seconds = _interleaved(
        ctx,
        {
            "baseline": lambda: list(AuditEntry.objects.select_related("actor", "participant").order_by("-at")[:LIMIT]),
            "audit": lambda: audit_search(limit=LIMIT),
            "audit participant": lambda: audit_search(participant_id=aus.pk, text="AUS", limit=LIMIT),
            "audit user": lambda: audit_search(actor="aus-analyst", limit=LIMIT),
            "coverage": lambda: coverage_grid(months=months),
            "at risk": lambda: access_at_risk(),
            "preview": lambda: policy_preview(proposed=stricter),
        },
        repeat,
    )
    return [
        Case(f"newest {LIMIT} AuditEntry rows (one indexed query)", seconds["baseline"], rows=LIMIT, baseline=True),
        Case(f"audit page: newest {LIMIT} of every kind", seconds["audit"], rows=LIMIT),
        Case("audit page: one participant and a text", seconds["audit participant"], rows=LIMIT),
        Case("audit page: one user's acts", seconds["audit user"], rows=LIMIT),
        Case("coverage grid: 45 participants × 24 months", seconds["coverage"], rows=45 * 24),
        Case("participants about to lose access", seconds["at risk"]),
        Case("policy preview (5 of 6 returns)", seconds["preview"]),
    ]
