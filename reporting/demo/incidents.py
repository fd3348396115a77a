"""Synthetic incident records and their rows, drawn from a seeded `random.Random`.

The generator only builds plain rows (a dict per incident, tuples for child rows); reporting/demo/
loading.py writes them. It guarantees what the database and the forms would check: breakdown rows
never add up to more than their totals, detection dates fall in the return's month and not in the
future, validated records sit in submitted returns, fees carry a currency and a USD value at the
detection month's rate.
"""

import bisect
import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from accounts.codes import country_name
from accounts.models import Agency
from reporting import codes
from reporting.demo import catalogue
from reporting.demo.catalogue import DemoParticipant, Route
from reporting.demo.plan import PlannedReturn, month_add, month_days
from reporting.models import Incident

INCIDENT_COLUMNS = tuple(f.attname for f in Incident._meta.concrete_fields)
TRANSIT_COLUMNS = ("incident_id", "sequence", "country")
BREAKDOWN_COLUMNS = ("incident_id", "group", "citizenship", "sex", "age_group", "count", "unaccompanied")
DOCUMENT_COLUMNS = ("incident_id", "document_type", "fraud_type", "issuing_country", "count")

CENT = Decimal("0.01")
FEE_SHARE = 0.55  # records that state a fee
OPEN_STATUSES = (
    (Incident.Status.DRAFT, 0.4),
    (Incident.Status.SUBMITTED, 0.45),
    (Incident.Status.RETURNED, 0.15),
)
REVIEW_COMMENTS = (
    "Please complete the citizenship breakdown.",
    "Check the detection context: the interception was at sea, not at a crossing point.",
    "The fee currency is missing for part of the group; please confirm.",
)
BENEFIT_WHEN_SMUGGLING = (
    (codes.ProtocolBenefit.YES, 0.7),
    (codes.ProtocolBenefit.UNKNOWN, 0.25),
    (codes.ProtocolBenefit.NO, 0.05),
)
BENEFIT_OTHERWISE = (
    (codes.ProtocolBenefit.UNKNOWN, 0.6),
    (codes.ProtocolBenefit.YES, 0.3),
    (codes.ProtocolBenefit.NO, 0.1),
)
FEE_SCOPE_WEIGHTS = (
    (codes.FeeScope.FULL_PACKAGE, 0.5),
    (codes.FeeScope.ONE_LEG, 0.3),
    (codes.FeeScope.UNKNOWN, 0.2),
)
PAYMENT_WEIGHTS = (
    (codes.PaymentModality.UPFRONT, 0.4),
    (codes.PaymentModality.THIRD_PARTY, 0.25),
    (codes.PaymentModality.ON_ARRIVAL, 0.15),
    (codes.PaymentModality.DEBT_LABOUR, 0.1),
    (codes.PaymentModality.UNKNOWN, 0.1),
)
MODE_AGENCY_KINDS = {
    codes.Mode.SEA: (Agency.Kind.COAST_GUARD, Agency.Kind.POLICE, Agency.Kind.IMMIGRATION),
    codes.Mode.AIR: (Agency.Kind.IMMIGRATION, Agency.Kind.CUSTOMS, Agency.Kind.POLICE),
    codes.Mode.LAND: (Agency.Kind.BORDER_GUARD, Agency.Kind.POLICE, Agency.Kind.IMMIGRATION),
}


@dataclass
class Batch:
    """Rows of a run of incidents, ready to be written."""

    incidents: list[dict] = field(default_factory=list)
    transits: list[tuple] = field(default_factory=list)
    breakdowns: list[tuple] = field(default_factory=list)
    documents: list[tuple] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.incidents) + len(self.transits) + len(self.breakdowns) + len(self.documents)


@dataclass(frozen=True)
class ParticipantRefs:
    """Database ids the generator needs for one participant."""

    participant_id: int
    agencies: dict[str, int]  # agency kind → id
    crossing_points: tuple[tuple[int, str, str, float, float], ...]  # id, mode, name, lat, lon
    contributor_id: int
    focal_point_id: int


@dataclass(frozen=True)
class ReturnRefs:
    return_id: int
    submitted_at: dt.datetime | None


class WeightedChoice:
    """Draws one value of (value, weight) pairs by weight. The cumulative weights are computed once:
    draws happen several times per incident, millions of times at full size."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, pairs) -> None:
        self.values, weights = zip(*pairs, strict=True)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


# Weighted draws, prepared once.
OPEN_STATUS_CHOICE = WeightedChoice(OPEN_STATUSES)
BENEFIT_CHOICE_SMUGGLING = WeightedChoice(BENEFIT_WHEN_SMUGGLING)
BENEFIT_CHOICE_OTHER = WeightedChoice(BENEFIT_OTHERWISE)
FEE_SCOPE_CHOICE = WeightedChoice(FEE_SCOPE_WEIGHTS)
PAYMENT_CHOICE = WeightedChoice(PAYMENT_WEIGHTS)
SOURCE_CHOICE = WeightedChoice(catalogue.SOURCE_WEIGHTS)
SHARING_CHOICE = WeightedChoice(catalogue.SHARING_WEIGHTS)


def _sample_ordered(rng: random.Random, options, low: int, high: int) -> list:
    """Between low and high distinct options, kept in the catalogue's order."""
    k = min(len(options), rng.randint(low, high))
    chosen = set(rng.sample(range(len(options)), k))
    return [option for i, option in enumerate(options) if i in chosen]


def _nice(amount: float) -> float:
    """Round to three significant figures, as fees are quoted."""
    if amount <= 0:
        return 0.0
    return round(amount, 2 - int(math.floor(math.log10(amount))))


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"one {singular}" if n == 1 else f"{n} {plural or singular + 's'}"


def _narrative_kind(*, route: Route, context: str) -> str:
    X = codes.DetectionContext
    if context == X.AT_SEA:
        return "sea"
    if context == X.ON_EXIT:
        return "exit"
    if context == X.INLAND:
        overstay = (
            codes.Method.ABUSE_OF_LEGAL_ENTRY in route.methods
            and codes.ConductCategory.IRREGULAR_STAY in route.categories
        )
        return "stay" if overstay else "staging"
    if context == X.BETWEEN_BCPS:
        return "land_between"
    return "air" if codes.Mode.AIR in route.modes else "land_bcp"


def _where(*, place: str, context: str) -> str:
    if context == codes.DetectionContext.AT_SEA:
        return f"off {place}"
    if context in (codes.DetectionContext.AT_BCP, codes.DetectionContext.ON_EXIT):
        return f"at {place}"
    return f"near {place}"


class IncidentGenerator:
    """Draws incidents for planned returns. One instance per seeding run: it holds the rng."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: dt.datetime,
        participants: dict[str, ParticipantRefs],
        rates: dict[tuple[str, dt.date], Decimal],
    ):
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.participants = participants
        self.rates = rates
        self.routes_by_detector = {
            p.code: WeightedChoice((r, r.weight) for r in catalogue.ROUTES if p.code in r.detectors)
            for p in catalogue.PARTICIPANTS
            if any(p.code in r.detectors for r in catalogue.ROUTES)
        }

    # Returns

    def return_submitted_at(self, *, month: dt.date) -> dt.datetime:
        """Returns are submitted in the first weeks of the following month."""
        day = month_add(month, 1) + dt.timedelta(days=self.rng.randint(2, 20), hours=self.rng.randint(8, 17))
        at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return min(at, self.now - dt.timedelta(hours=1))

    def batch_for_return(self, *, planned: PlannedReturn, ret: ReturnRefs, first_id: int) -> Batch:
        batch = Batch()
        refs = self.participants[planned.participant.code]
        for n in range(planned.incidents):
            self.incident_add(
                batch=batch,
                incident_id=first_id + n,
                sequence=n + 1,
                participant=planned.participant,
                refs=refs,
                planned=planned,
                ret=ret,
            )
        return batch

    # One incident

    def incident_add(
        self,
        *,
        batch: Batch,
        incident_id: int,
        sequence: int,
        participant: DemoParticipant,
        refs: ParticipantRefs,
        planned: PlannedReturn,
        ret: ReturnRefs,
    ) -> None:
        rng = self.rng
        route = self.routes_by_detector[participant.code].draw(rng)
        detection_country = rng.choice(participant.countries)
        origin, transits, destination, position = self.route_draw(route=route, detection_country=detection_country)
        context = self.context_draw(route=route, position=position)
        bcp = self.crossing_point_draw(refs=refs, route=route, context=context)
        place = bcp[2] if bcp else rng.choice(participant.inland_places or (participant.name,))
        migrants = self.group_size_draw(route)
        smugglers = rng.randint(*route.smugglers)
        categories = _sample_ordered(rng, route.categories, 1, 2)
        documents = self.documents_draw(route=route, origin=origin, migrants=migrants, categories=categories)
        if documents and codes.ConductCategory.DOCUMENT_FRAUD not in categories:
            categories.append(codes.ConductCategory.DOCUMENT_FRAUD)
        detection_date = self.detection_date_draw(planned.month)
        harm = self.harm_draw(route=route, migrants=migrants, context=context)
        source = SOURCE_CHOICE.draw(rng)
        row = {
            "id": incident_id,
            "participant_id": refs.participant_id,
            "ret_id": ret.return_id,
            "agency_id": self.agency_draw(refs=refs, route=route),
            "national_reference": f"{participant.code}-{planned.month:%Y%m}-{sequence:06d}",
            "version": 1,
            "categories": categories,
            "protocol_benefit": self.benefit_draw(categories),
            "source": source,
            "confidence": catalogue.CONFIDENCE_BY_SOURCE[source],
            "detection_date": detection_date,
            "detection_country": detection_country,
            "detection_place": place,
            "latitude": bcp[3] if bcp else None,
            "longitude": bcp[4] if bcp else None,
            "border_crossing_point_id": bcp[0] if bcp else None,
            "detection_context": context,
            "modes": list(route.modes),
            "methods": _sample_ordered(rng, route.methods, 1, 3),
            "origin_country": origin,
            "destination_country": destination,
            "migrants_total": migrants,
            "smugglers_total": smugglers,
            "smuggler_roles": _sample_ordered(rng, route.roles, 1, 3) if smugglers and route.roles else [],
            "narrative": self.narrative_draw(
                route=route,
                migrants=migrants,
                smugglers=smugglers,
                place=place,
                context=context,
                origin=origin,
                hubs=[c for c in transits if c != detection_country],
            ),
            **harm,
            **self.fee_draw(route=route, month=planned.month, migrants=migrants),
            **self.workflow_draw(planned=planned, ret=ret, refs=refs, detection_date=detection_date),
        }
        batch.incidents.append(row)
        batch.transits.extend((incident_id, i, country) for i, country in enumerate(transits, start=1))
        batch.breakdowns.extend(
            self.breakdowns_draw(
                incident_id=incident_id,
                route=route,
                origin=origin,
                detection_country=detection_country,
                migrants=migrants,
                smugglers=smugglers,
            )
        )
        batch.documents.extend((incident_id, *document) for document in documents)

    def route_draw(self, *, route: Route, detection_country: str) -> tuple[str, list[str], str, str]:
        """Origin, ordered transits, destination, and where on the route the detection happened."""
        rng = self.rng
        if detection_country in route.origins:
            origin, position = detection_country, "origin"
        else:
            origin = rng.choice(route.origins)
            position = "transit" if detection_country in route.transits else "destination"
        destination = route.destination if position != "destination" else detection_country
        transits = [c for c in route.transits if c not in (origin, destination)]
        if len(transits) > 1 and rng.random() < 0.3:
            transits = transits[:1]  # some journeys skip a leg
        return origin, transits, destination, position

    def context_draw(self, *, route: Route, position: str) -> str:
        X = codes.DetectionContext
        if position == "origin" and X.ON_EXIT in route.contexts and self.rng.random() < 0.7:
            return X.ON_EXIT
        options = [c for c in route.contexts if c != X.ON_EXIT] or list(route.contexts)
        return self.rng.choice(options)

    def crossing_point_draw(self, *, refs: ParticipantRefs, route: Route, context: str):
        X = codes.DetectionContext
        if context not in (X.AT_BCP, X.ON_EXIT):
            return None
        matching = [bcp for bcp in refs.crossing_points if bcp[1] in route.modes]
        return self.rng.choice(matching) if matching else None

    def group_size_draw(self, route: Route) -> int:
        low, high = route.group_size
        return low + int((high - low) * self.rng.random() ** 2.2)  # most groups are small

    def agency_draw(self, *, refs: ParticipantRefs, route: Route) -> int | None:
        for kind in MODE_AGENCY_KINDS[route.modes[-1]]:
            if kind in refs.agencies:
                return refs.agencies[kind]
        return next(iter(refs.agencies.values()), None)

    def benefit_draw(self, categories: list[str]) -> str:
        if codes.ConductCategory.MIGRANT_SMUGGLING in categories:
            return BENEFIT_CHOICE_SMUGGLING.draw(self.rng)
        return BENEFIT_CHOICE_OTHER.draw(self.rng)

    def detection_date_draw(self, month: dt.date) -> dt.date:
        last_day = month_days(month)
        if month == self.today.replace(day=1):
            last_day = self.today.day  # never in the future
        return month.replace(day=self.rng.randint(1, last_day))

    def harm_draw(self, *, route: Route, migrants: int, context: str) -> dict:
        rng = self.rng
        dead = missing = injured = rescued = 0
        cause = ""
        if rng.random() < route.harm_risk:
            dead = rng.randint(1, max(1, migrants // 6))
            missing = rng.randint(0, max(1, migrants // 8)) if codes.Mode.SEA in route.modes else 0
            cause = rng.choice(route.causes_of_death)
        if rng.random() < 0.05:
            injured = rng.randint(1, max(1, migrants // 4))
        if context == codes.DetectionContext.AT_SEA and rng.random() < 0.4:
            rescued = migrants
        abuses = []
        if route.abuses and (dead or rng.random() < 0.12):
            abuses = _sample_ordered(rng, route.abuses, 1, 2)
        return {
            "dead": dead,
            "missing": missing,
            "injured": injured,
            "rescued": rescued,
            "cause_of_death": cause,
            "abuses": abuses,
        }

    def fee_draw(self, *, route: Route, month: dt.date, migrants: int) -> dict:
        """A fee per person in a currency of the route, with its USD value at the month's rate."""
        rng = self.rng
        none = {"fee_per_person": None, "fee_currency": "", "fee_usd": None, "fee_scope": "", "payment_modality": ""}
        if not migrants or rng.random() > FEE_SHARE:
            return none
        currency = rng.choice(route.fee_currencies)
        rate = self.rates[(currency, month)]
        usd = rng.uniform(*route.fee_usd)
        amount = Decimal(f"{_nice(usd / float(rate)):.2f}")
        return {
            "fee_per_person": amount,
            "fee_currency": currency,
            "fee_usd": (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP),
            "fee_scope": FEE_SCOPE_CHOICE.draw(rng),
            "payment_modality": PAYMENT_CHOICE.draw(rng),
        }

    def sharing_draw(self, *, month: dt.date) -> tuple[str, dt.date | None]:
        level = SHARING_CHOICE.draw(self.rng)
        embargo = None
        if level == codes.SharingLevel.SHARED and self.rng.random() < catalogue.EMBARGO_SHARE:
            embargo = month_add(month, self.rng.randint(6, 18))
        return level, embargo

    def workflow_draw(self, *, planned: PlannedReturn, ret: ReturnRefs, refs: ParticipantRefs, detection_date):
        """Status and dates: validated in a submitted return; draft, submitted or returned in an open one."""
        rng = self.rng
        created_at = min(
            dt.datetime.combine(detection_date, dt.time(9), tzinfo=dt.UTC)
            + dt.timedelta(days=rng.randint(0, 4), minutes=rng.randint(0, 480)),
            self.now,
        )
        status = Incident.Status.VALIDATED if planned.submitted else OPEN_STATUS_CHOICE.draw(rng)
        submitted_at = validated_at = None
        if status != Incident.Status.DRAFT:
            submitted_at = min(created_at + dt.timedelta(hours=rng.randint(1, 72)), self.now)
        if status == Incident.Status.VALIDATED:
            # The focal point validates before submitting the return, so every date precedes that.
            validated_at = min(max(submitted_at, ret.submitted_at - dt.timedelta(days=1)), ret.submitted_at)
            submitted_at = min(submitted_at, validated_at)
            created_at = min(created_at, submitted_at)
        level, embargo = self.sharing_draw(month=planned.month)
        return {
            "status": status,
            "review_comment": rng.choice(REVIEW_COMMENTS) if status == Incident.Status.RETURNED else "",
            "sharing_level": level,
            "embargo_until": embargo,
            "created_by_id": refs.contributor_id,
            "created_at": created_at,
            "updated_at": validated_at or submitted_at or created_at,
            "submitted_at": submitted_at,
            "validated_at": validated_at,
            "validated_by_id": refs.focal_point_id if validated_at else None,
        }

    def narrative_draw(
        self, *, route: Route, migrants: int, smugglers: int, place: str, context: str, origin: str, hubs
    ) -> str:
        rng = self.rng
        kind = _narrative_kind(route=route, context=context)
        template = rng.choice(catalogue.NARRATIVES[kind])
        hub_country = hubs[-1] if hubs else origin  # where the flight came from
        text = template.format(
            where=_where(place=place, context=context),
            vessel=rng.choice(catalogue.VESSELS),
            crew=_count(max(smugglers, 1), "crew member") + (" was" if smugglers <= 1 else " were"),
            were="was" if migrants == 1 else "were",
            passengers=_count(migrants, "passenger"),
            people=_count(migrants, "person", "people"),
            migrants=_count(migrants, "migrant"),
            travellers=_count(migrants, "traveller"),
            destination=country_name(route.destination),
            hub=catalogue.HUBS.get(hub_country, country_name(hub_country)),
            docs=catalogue.DOCUMENT_PHRASES[rng.choice(tuple(catalogue.DOCUMENT_PHRASES))],
        )
        return text[0].upper() + text[1:]

    def documents_draw(self, *, route: Route, origin: str, migrants: int, categories: list[str]) -> list[tuple]:
        rng = self.rng
        if not route.documents or not migrants:
            return []
        if codes.ConductCategory.DOCUMENT_FRAUD not in categories and rng.random() < 0.5:
            return []
        rows = []
        for document_type, fraud_type in _sample_ordered(rng, route.documents, 1, 2):
            issuing = origin if rng.random() < 0.6 else rng.choice(("AUS", "GBR", "CAN", "SGP", "MYS", "JPN"))
            rows.append((document_type, fraud_type, issuing, rng.randint(1, migrants)))
        return rows

    def breakdowns_draw(
        self, *, incident_id: int, route: Route, origin: str, detection_country: str, migrants: int, smugglers: int
    ) -> list[tuple]:
        """Breakdown rows that never exceed the totals: the rest of each group stays an explicit unknown."""
        rows = [(incident_id, codes.PersonGroup.MIGRANT, *cell) for cell in self.migrant_cells(route, origin, migrants)]
        rows.extend(
            (incident_id, codes.PersonGroup.SMUGGLER, *cell)
            for cell in self.smuggler_cells(origin=origin, detection_country=detection_country, smugglers=smugglers)
        )
        return rows

    def migrant_cells(self, route: Route, origin: str, migrants: int) -> list[tuple]:
        rng = self.rng
        known = migrants if rng.random() < 0.6 else int(migrants * rng.uniform(0.5, 0.95))
        others = [c for c in route.origins if c != origin]
        secondary = int(known * rng.uniform(0.05, 0.3)) if others and rng.random() < 0.25 else 0
        cells: dict[tuple[str, str, str], int] = {}
        for citizenship, count in ((origin, known - secondary), (rng.choice(others) if secondary else "", secondary)):
            if count <= 0:
                continue
            minors = min(count, round(count * route.minors_share * rng.uniform(0.4, 1.6)))
            for age, people in ((codes.AgeGroup.ADULT, count - minors), (codes.AgeGroup.MINOR, minors)):
                female = min(people, round(people * route.female_share * rng.uniform(0.5, 1.5)))
                for sex, n in ((codes.Sex.MALE, people - female), (codes.Sex.FEMALE, female)):
                    if n > 0:
                        cells[(citizenship, sex, age)] = cells.get((citizenship, sex, age), 0) + n
        rows = []
        for (citizenship, sex, age), count in cells.items():
            alone = rng.randint(0, count) if age == codes.AgeGroup.MINOR and rng.random() < 0.3 else 0
            rows.append((citizenship, sex, age, count, alone))
        return rows

    def smuggler_cells(self, *, origin: str, detection_country: str, smugglers: int) -> list[tuple]:
        rng = self.rng
        cells: dict[tuple[str, str, str], int] = {}
        for _ in range(smugglers):
            if rng.random() < 0.1:
                continue  # not identified: part of the unknown remainder
            citizenship = detection_country if rng.random() < 0.6 else origin
            sex = codes.Sex.MALE if rng.random() < catalogue.SMUGGLER_MALE_SHARE else codes.Sex.FEMALE
            age = codes.AgeGroup.ADULT if rng.random() < catalogue.SMUGGLER_ADULT_SHARE else codes.AgeGroup.MINOR
            cells[(citizenship, sex, age)] = cells.get((citizenship, sex, age), 0) + 1
        return [(*key, count, 0) for key, count in cells.items()]
