"""Test data by role: participants in each standing, users of each role, records."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Agency, Participant, Role
from accounts.services import participant_create, user_create
from reporting import codes
from reporting.models import (
    BorderCrossingPoint,
    ImportBatch,
    Incident,
    IncidentDocument,
    IncidentTransit,
    PersonBreakdown,
    Return,
)

_codes = itertools.count(1)


def participant(
    *,
    status: str = Participant.Status.ACTIVE,
    joined_on: dt.date | None = None,
    kind: str = Participant.Kind.STATE,
    country: str = "AUS",
    code: str | None = None,
) -> Participant:
    n = next(_codes)
    code = code or f"P{n:03d}"
    return participant_create(
        code=code,
        name=f"Participant {code}",
        kind=kind,
        region=Participant.Region.PACIFIC,
        country=country if kind != Participant.Kind.ORGANISATION else "",
        status=status,
        joined_on=joined_on
        or (timezone.localdate() - dt.timedelta(days=3650) if status != Participant.Status.INVITED else None),
    )


def user(*, role: str = Role.ANALYST, participant: Participant | None = None, username: str | None = None):
    n = next(_codes)
    return user_create(
        username=username or f"{role}-{n}",
        password="correct-horse-battery",
        role=role,
        participant=participant if role != Role.SECRETARIAT else None,
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_back(n: int, today: dt.date | None = None) -> dt.date:
    """The first day of the month n months before today's month."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def return_for(participant: Participant, month: dt.date, *, submitted: bool = False, nil: bool = False) -> Return:
    ret, _ = Return.objects.get_or_create(participant=participant, month=month)
    if submitted or nil:
        ret.status, ret.is_nil, ret.submitted_at = Return.Status.SUBMITTED, nil, timezone.now()
        ret.save()
    return ret


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    participant = factory.LazyFunction(participant)
    ret = factory.LazyAttribute(lambda o: return_for(o.participant, month_start(o.detection_date)))
    national_reference = factory.Sequence(lambda n: f"REF-{n:06d}")
    categories = factory.LazyFunction(lambda: [codes.ConductCategory.MIGRANT_SMUGGLING])
    source = codes.Source.INVESTIGATION
    confidence = codes.Confidence.HIGH
    detection_date = factory.LazyFunction(lambda: months_back(2) + dt.timedelta(days=4))
    detection_country = "AUS"
    detection_context = codes.DetectionContext.AT_SEA
    modes = factory.LazyFunction(lambda: [codes.Mode.SEA])
    origin_country = "LKA"
    destination_country = "AUS"
    migrants_total = 12
    status = Incident.Status.VALIDATED
    sharing_level = codes.SharingLevel.SHARED


# Reciprocity stories (issue #3): participants in each standing, with users and records -----------


def submitted_returns(participant: Participant, months_ago, *, nil: bool = False) -> list[Return]:
    """Submitted returns for each of the months `months_ago` (1 = last month)."""
    return [return_for(participant, months_back(n), submitted=True, nil=nil) for n in months_ago]


def incident_for(participant: Participant, *, months_ago: int = 2, submitted_return: bool = True, **fields) -> Incident:
    """A record in the participant's return `months_ago` months back (submitted unless told)."""
    month = months_back(months_ago)
    ret = return_for(participant, month, submitted=submitted_return)
    detected = min(month + dt.timedelta(days=3), timezone.localdate())  # never in the future
    return IncidentFactory(participant=participant, ret=ret, detection_date=detected, **fields)


class ReciprocityStory:
    """Six participants, one of each kind the rule tells apart, with users of every role and records.

    - `home`: contributing (three returns in the window); the actor's own participant;
    - `partner`: contributing; its shared record is readable by home; plus aggregate-only,
      national-only, draft and embargoed records that are not;
    - `lapsed`: active but no return in the window; its users read only their own data, while its
      shared records stay readable by contributors (owners need only be active);
    - `suspended`: not active: neither reads nor is read;
    - `withholding`: contributing, but withholds its data from `home`;
    - users: analyst, contributor and focal point of home, lapsed and suspended; a secretariat
      user; a user with no role.
    """

    def __init__(self) -> None:
        self.home = participant(code="HOM")
        self.partner = participant(code="PAR")
        self.lapsed = participant(code="LAP")
        self.suspended = participant(code="SUS", status=Participant.Status.SUSPENDED)
        self.withholding = participant(code="WIT")
        for p in (self.home, self.partner, self.suspended, self.withholding):
            submitted_returns(p, (1, 2, 3))
        submitted_returns(self.lapsed, (9, 10, 11))
        from reporting.models import SharingExclusion

        SharingExclusion.objects.create(owner=self.withholding, partner=self.home)
        self.users: dict[str, object] = {}
        for key, p in (("home", self.home), ("lapsed", self.lapsed), ("suspended", self.suspended)):
            for role in (Role.ANALYST, Role.CONTRIBUTOR, Role.FOCAL_POINT):
                self.users[f"{key}_{role}"] = user(role=role, participant=p, username=f"{key}-{role}")
        self.users["partner_focal_point"] = user(role=Role.FOCAL_POINT, participant=self.partner, username="par-fp")
        self.users["secretariat"] = user(role=Role.SECRETARIAT, username="secretariat")
        from accounts.models import User

        self.users["norole"] = User.objects.create_user(username="norole", password="correct-horse-battery")
        level = codes.SharingLevel
        self.records = {
            "home_shared": incident_for(self.home, narrative="Own shared record at sea"),
            "home_draft": incident_for(self.home, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0),
            "home_national": incident_for(self.home, sharing_level=level.NATIONAL_ONLY),
            "partner_shared": incident_for(self.partner, narrative="Fishing boat landed near the reef"),
            "partner_aggregate": incident_for(self.partner, sharing_level=level.AGGREGATE_ONLY),
            "partner_national": incident_for(self.partner, sharing_level=level.NATIONAL_ONLY),
            "partner_draft": incident_for(self.partner, status=Incident.Status.DRAFT),
            "partner_embargoed": incident_for(self.partner, embargo_until=timezone.localdate() + dt.timedelta(days=30)),
            "lapsed_shared": incident_for(self.lapsed, months_ago=10),
            "suspended_shared": incident_for(self.suspended),
            "withholding_shared": incident_for(self.withholding),
        }
        from reporting.reciprocity import reciprocity_sync

        reciprocity_sync(trigger="test story")

    # What the rule says each actor may read, written out by hand (the specification).
    def expected_visible(self, actor: str, *, secretariat_reads_records: bool = False) -> set[str]:
        shared_elsewhere = {"partner_shared", "lapsed_shared"}
        if actor.startswith("home_"):
            return {"home_shared", "home_draft", "home_national"} | shared_elsewhere
        if actor.startswith("partner_"):
            own = {key for key in self.records if key.startswith("partner_")}
            return own | {"home_shared", "lapsed_shared", "withholding_shared"}
        if actor.startswith("lapsed_"):
            return {"lapsed_shared"}
        if actor.startswith("suspended_"):
            return {"suspended_shared"}
        if actor == "secretariat" and secretariat_reads_records:
            return {"home_shared", "partner_shared", "lapsed_shared", "withholding_shared"}
        return set()


def matrix_import_batch(story):
    """The permission matrices' import batch: the home participant's, done, made once per story."""
    batch = getattr(story, "import_batch", None)
    if batch is None:
        batch = ImportBatch.objects.create(
            participant=story.home,
            uploaded_by=story.users["home_contributor"],
            file_name="matrix.csv",
            file_format="csv",
            status=ImportBatch.Status.DONE,
        )
        story.import_batch = batch
    return batch


def matrix_link(story):
    """The permission matrices' link: home's shared record and the partner's, proposed once per story."""
    link = getattr(story, "link", None)
    if link is None:
        from reporting.linking.models import IncidentLink
        from reporting.linking.services import links_propose

        links_propose()
        link = IncidentLink.objects.get(
            first_participant__in=[story.home, story.partner], second_participant__in=[story.home, story.partner]
        )
        story.link = link
    return link


def sparse_and_full_incidents(*, agency_name: str = "Border Force", **full_fields) -> tuple[Incident, Incident]:
    """Two records of one owner for output tests: a sparse draft (no rows, no agency) and a full one
    with agency, crossing point, decimals, an embargo, and transit (created out of sequence),
    breakdown and document rows. `full_fields` override the full record's fields."""
    owner = participant()
    sparse = IncidentFactory(participant=owner, status=Incident.Status.DRAFT, categories=[])
    fields = {
        "agency": Agency.objects.create(participant=owner, name=agency_name, kind="immigration"),
        "border_crossing_point": BorderCrossingPoint.objects.create(
            participant=owner, code="BCP-1", name="Reef", mode="sea"
        ),
        "latitude": Decimal("-12.25"),
        "longitude": Decimal("123.04"),
        "embargo_until": timezone.localdate() + dt.timedelta(days=9),
        "fee_per_person": Decimal("4500"),
        "fee_currency": "USD",
        "fee_usd": Decimal("4500"),
        "methods": [codes.Method.FISHING_BOAT],
        "abuses": [codes.Abuse.ENDANGERMENT],
        "narrative": "Fishing vessel intercepted; “quoted” text and ünïcode.",
        "migrants_total": 8,
        "smugglers_total": 1,
        "submitted_at": timezone.now(),
        "validated_at": timezone.now(),
        **full_fields,
    }
    full = IncidentFactory(participant=owner, **fields)
    IncidentTransit.objects.create(incident=full, country="MYS", sequence=2)
    IncidentTransit.objects.create(incident=full, country="IDN", sequence=1)
    PersonBreakdown.objects.create(incident=full, group="migrant", citizenship="LKA", sex="male", count=3)
    PersonBreakdown.objects.create(incident=full, group="migrant", citizenship="LKA", sex="female", count=5)
    PersonBreakdown.objects.create(incident=full, group="smuggler", citizenship="IDN", sex="male", count=1)
    IncidentDocument.objects.create(incident=full, document_type="passport", fraud_type="counterfeit", count=2)
    IncidentDocument.objects.create(incident=full, document_type="visa", fraud_type="forged", count=1)
    return sparse, full
