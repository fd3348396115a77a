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
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from accounts.codes import country_names
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
# The first records of each open return go through every step of the workflow, starting at a step
# that turns with the participant and the month, so that the returns being worked on show drafts,
# submitted records and returned ones with their comment whatever the day; the rest are drawn from
# OPEN_STATUSES.
OPEN_STATUS_SHOWCASE = (Incident.Status.RETURNED, Incident.Status.SUBMITTED, Incident.Status.DRAFT)
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

    def draw(self, draws: "Draws"):
        return self.values[bisect.bisect(self.cumulative, draws.random() * self.total)]


class Draws:
    """Draws from one seeded `random.Random`, at a fraction of the cost of its own helpers.

    `randint`, `choice` and `sample` cost one to three microseconds each in pure Python (argument
    checks, rejection sampling over `getrandbits`); an incident takes about forty draws, a million
    incidents forty million. Scaling one `random()` costs a tenth of that; its bias (below 2**-50)
    does not matter for synthetic data. Everything still comes from the one seeded stream.
    """

    __slots__ = ("random",)

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def between(self, low: int, high: int) -> int:
        """An integer from low to high, both included (as randint)."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, options):
        return options[int(self.random() * len(options))]

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def ordered_sample(self, options, low: int, high: int) -> list:
        """Between low and high distinct options, kept in the catalogue's order (selection sampling:
        each option is taken with the chance that leaves the right number for the rest)."""
        remaining = len(options)
        wanted = min(remaining, low + int(self.random() * (high - low + 1)))
        chosen = []
        random_ = self.random
        for option in options:
            if not wanted:
                break
            if random_() * remaining < wanted:
                chosen.append(option)
                wanted -= 1
            remaining -= 1
        return chosen


# Weighted draws, prepared once.
OPEN_STATUS_CHOICE = WeightedChoice(OPEN_STATUSES)
BENEFIT_CHOICE_SMUGGLING = WeightedChoice(BENEFIT_WHEN_SMUGGLING)
BENEFIT_CHOICE_OTHER = WeightedChoice(BENEFIT_OTHERWISE)
FEE_SCOPE_CHOICE = WeightedChoice(FEE_SCOPE_WEIGHTS)
PAYMENT_CHOICE = WeightedChoice(PAYMENT_WEIGHTS)
SOURCE_CHOICE = WeightedChoice(catalogue.SOURCE_WEIGHTS)
SHARING_CHOICE = WeightedChoice(catalogue.SHARING_WEIGHTS)
DOCUMENT_PHRASE_KEYS = tuple(catalogue.DOCUMENT_PHRASES)
MIGRANT, SMUGGLER = codes.PersonGroup.MIGRANT, codes.PersonGroup.SMUGGLER
ADULT, MINOR = codes.AgeGroup.ADULT, codes.AgeGroup.MINOR
MALE, FEMALE = codes.Sex.MALE, codes.Sex.FEMALE
NARRATIVE_FIELDS = {
    template: frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
    for templates in catalogue.NARRATIVES.values()
    for template in templates
}
COUNTED_NOUNS = (
    ("passengers", "passenger", None),
    ("people", "person", "people"),
    ("migrants", "migrant", None),
    ("travellers", "traveller", None),
)


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
        stream: str = "incidents",
    ):
        self.rng = rng  # return dates
        # Each return's incidents come from a stream of their own, seeded from this one's first draw
        # and the return: any return can be generated alone, in any order or process, same figures.
        self.stream = f"{stream}:{rng.getrandbits(64)}"
        self.draws = Draws(rng)
        self.now = now
        self.country_names = country_names()  # one table, looked up without a call per narrative
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
        self.draws = Draws(random.Random(f"{self.stream}:{planned.participant.code}:{planned.month:%Y-%m}"))  # noqa: S311
        batch = Batch()
        refs = self.participants[planned.participant.code]
        reference_prefix = f"{planned.participant.code}-{planned.month:%Y%m}-"
        for n in range(planned.incidents):
            self.incident_add(
                batch=batch,
                incident_id=first_id + n,
                national_reference=f"{reference_prefix}{n + 1:06d}",
                order=n,
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
        national_reference: str,
        order: int,
        participant: DemoParticipant,
        refs: ParticipantRefs,
        planned: PlannedReturn,
        ret: ReturnRefs,
    ) -> None:
        rng = self.draws
        route = self.routes_by_detector[participant.code].draw(rng)
        detection_country = rng.pick(participant.countries)
        origin, transits, destination, position = self.route_draw(route=route, detection_country=detection_country)
        context = self.context_draw(route=route, position=position)
        bcp = self.crossing_point_draw(refs=refs, route=route, context=context)
        place = bcp[2] if bcp else rng.pick(participant.inland_places or (participant.name,))
        migrants = self.group_size_draw(route)
        smugglers = rng.between(*route.smugglers)
        categories = rng.ordered_sample(route.categories, 1, 2)
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
            "national_reference": national_reference,
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
            "methods": rng.ordered_sample(route.methods, 1, 3),
            "origin_country": origin,
            "destination_country": destination,
            "migrants_total": migrants,
            "smugglers_total": smugglers,
            "smuggler_roles": rng.ordered_sample(route.roles, 1, 3) if smugglers and route.roles else [],
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
            **self.workflow_draw(planned=planned, ret=ret, refs=refs, detection_date=detection_date, order=order),
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
        rng = self.draws
        if detection_country in route.origins:
            origin, position = detection_country, "origin"
        else:
            origin = rng.pick(route.origins)
            position = "transit" if detection_country in route.transits else "destination"
        destination = route.destination if position != "destination" else detection_country
        transits = [c for c in route.transits if c not in (origin, destination)]
        if len(transits) > 1 and rng.random() < 0.3:
            transits = transits[:1]  # some journeys skip a leg
        return origin, transits, destination, position

    def context_draw(self, *, route: Route, position: str) -> str:
        X = codes.DetectionContext
        if position == "origin" and X.ON_EXIT in route.contexts and self.draws.random() < 0.7:
            return X.ON_EXIT
        options = [c for c in route.contexts if c != X.ON_EXIT] or list(route.contexts)
        return self.draws.pick(options)

    def crossing_point_draw(self, *, refs: ParticipantRefs, route: Route, context: str):
        X = codes.DetectionContext
        if context not in (X.AT_BCP, X.ON_EXIT):
            return None
        matching = [bcp for bcp in refs.crossing_points if bcp[1] in route.modes]
        return self.draws.pick(matching) if matching else None

    def group_size_draw(self, route: Route) -> int:
        low, high = route.group_size
        return low + int((high - low) * self.draws.random() ** 2.2)  # most groups are small

    def agency_draw(self, *, refs: ParticipantRefs, route: Route) -> int | None:
        for kind in MODE_AGENCY_KINDS[route.modes[-1]]:
            if kind in refs.agencies:
                return refs.agencies[kind]
        return next(iter(refs.agencies.values()), None)

    def benefit_draw(self, categories: list[str]) -> str:
        if codes.ConductCategory.MIGRANT_SMUGGLING in categories:
            return BENEFIT_CHOICE_SMUGGLING.draw(self.draws)
        return BENEFIT_CHOICE_OTHER.draw(self.draws)

    def detection_date_draw(self, month: dt.date) -> dt.date:
        last_day = month_days(month)
        if month == self.today.replace(day=1):
            last_day = self.today.day  # never in the future
        return month.replace(day=self.draws.between(1, last_day))

    def harm_draw(self, *, route: Route, migrants: int, context: str) -> dict:
        rng = self.draws
        dead = missing = injured = rescued = 0
        cause = ""
        if rng.random() < route.harm_risk:
            dead = rng.between(1, max(1, migrants // 6))
            missing = rng.between(0, max(1, migrants // 8)) if codes.Mode.SEA in route.modes else 0
            cause = rng.pick(route.causes_of_death)
        if rng.random() < 0.05:
            injured = rng.between(1, max(1, migrants // 4))
        if context == codes.DetectionContext.AT_SEA and rng.random() < 0.4:
            rescued = migrants
        abuses = []
        if route.abuses and (dead or rng.random() < 0.12):
            abuses = rng.ordered_sample(route.abuses, 1, 2)
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
        rng = self.draws
        none = {"fee_per_person": None, "fee_currency": "", "fee_usd": None, "fee_scope": "", "payment_modality": ""}
        if not migrants or rng.random() > FEE_SHARE:
            return none
        currency = rng.pick(route.fee_currencies)
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
        level = SHARING_CHOICE.draw(self.draws)
        embargo = None
        if level == codes.SharingLevel.SHARED and self.draws.random() < catalogue.EMBARGO_SHARE:
            embargo = month_add(month, self.draws.between(6, 18))
        return level, embargo

    def workflow_draw(
        self, *, planned: PlannedReturn, ret: ReturnRefs, refs: ParticipantRefs, detection_date, order: int
    ):
        """Status and dates: validated in a submitted return; draft, submitted or returned in an open one
        (the `order`-th record of its return: the first ones follow OPEN_STATUS_SHOWCASE)."""
        rng = self.draws
        created_at = min(
            dt.datetime.combine(detection_date, dt.time(9), tzinfo=dt.UTC)
            + dt.timedelta(days=rng.between(0, 4), minutes=rng.between(0, 480)),
            self.now,
        )
        if planned.submitted:
            status = Incident.Status.VALIDATED
        elif order < len(OPEN_STATUS_SHOWCASE):
            turn = catalogue.PARTICIPANTS.index(planned.participant) + planned.month.month
            status = OPEN_STATUS_SHOWCASE[(order + turn) % len(OPEN_STATUS_SHOWCASE)]
        else:
            status = OPEN_STATUS_CHOICE.draw(rng)
        submitted_at = validated_at = None
        if status != Incident.Status.DRAFT:
            submitted_at = min(created_at + dt.timedelta(hours=rng.between(1, 72)), self.now)
        if status == Incident.Status.VALIDATED:
            # The focal point validates before submitting the return, so every date precedes that.
            validated_at = min(max(submitted_at, ret.submitted_at - dt.timedelta(days=1)), ret.submitted_at)
            submitted_at = min(submitted_at, validated_at)
            created_at = min(created_at, submitted_at)
        level, embargo = self.sharing_draw(month=planned.month)
        return {
            "status": status,
            "review_comment": rng.pick(REVIEW_COMMENTS) if status == Incident.Status.RETURNED else "",
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
        rng = self.draws
        kind = _narrative_kind(route=route, context=context)
        template = rng.pick(catalogue.NARRATIVES[kind])
        vessel = rng.pick(catalogue.VESSELS)
        docs = catalogue.DOCUMENT_PHRASES[rng.pick(DOCUMENT_PHRASE_KEYS)]
        # Only the phrases the template uses: most use three or four of the eleven.
        needed = NARRATIVE_FIELDS[template]
        values = {"vessel": vessel, "docs": docs, "were": "was" if migrants == 1 else "were"}
        if "where" in needed:
            values["where"] = _where(place=place, context=context)
        if "crew" in needed:
            values["crew"] = _count(max(smugglers, 1), "crew member") + (" was" if smugglers <= 1 else " were")
        for name, singular, plural in COUNTED_NOUNS:
            if name in needed:
                values[name] = _count(migrants, singular, plural)
        if "destination" in needed:
            values["destination"] = self.country_names.get(route.destination, route.destination)
        if "hub" in needed:
            hub_country = hubs[-1] if hubs else origin  # where the flight came from
            values["hub"] = catalogue.HUBS.get(hub_country) or self.country_names.get(hub_country, hub_country)
        text = template.format_map(values)
        return text[0].upper() + text[1:]

    def documents_draw(self, *, route: Route, origin: str, migrants: int, categories: list[str]) -> list[tuple]:
        rng = self.draws
        if not route.documents or not migrants:
            return []
        if codes.ConductCategory.DOCUMENT_FRAUD not in categories and rng.random() < 0.5:
            return []
        rows = []
        for document_type, fraud_type in rng.ordered_sample(route.documents, 1, 2):
            issuing = origin if rng.random() < 0.6 else rng.pick(("AUS", "GBR", "CAN", "SGP", "MYS", "JPN"))
            rows.append((document_type, fraud_type, issuing, rng.between(1, migrants)))
        return rows

    def breakdowns_draw(
        self, *, incident_id: int, route: Route, origin: str, detection_country: str, migrants: int, smugglers: int
    ) -> list[tuple]:
        """Breakdown rows that never exceed the totals: the rest of each group stays an explicit unknown."""
        rows = self.migrant_rows(incident_id=incident_id, route=route, origin=origin, migrants=migrants)
        rows.extend(
            (incident_id, SMUGGLER, *cell)
            for cell in self.smuggler_cells(origin=origin, detection_country=detection_country, smugglers=smugglers)
        )
        return rows

    def migrant_rows(self, *, incident_id: int, route: Route, origin: str, migrants: int) -> list[tuple]:
        """Citizenship × age group × sex cells of the migrants whose details are known."""
        rng = self.draws
        random_ = rng.random
        known = migrants if random_() < 0.6 else int(migrants * rng.uniform(0.5, 0.95))
        others = [c for c in route.origins if c != origin]
        secondary = int(known * rng.uniform(0.05, 0.3)) if others and random_() < 0.25 else 0
        rows = []
        # The two citizenships differ, so no two cells share a key.
        for citizenship, count in ((origin, known - secondary), (rng.pick(others) if secondary else "", secondary)):
            if count <= 0:
                continue
            minors = min(count, round(count * route.minors_share * rng.uniform(0.4, 1.6)))
            for age, people in ((ADULT, count - minors), (MINOR, minors)):
                female = min(people, round(people * route.female_share * rng.uniform(0.5, 1.5)))
                for sex, n in ((MALE, people - female), (FEMALE, female)):
                    if n > 0:
                        alone = rng.between(0, n) if age is MINOR and random_() < 0.3 else 0
                        rows.append((incident_id, MIGRANT, citizenship, sex, age, n, alone))
        return rows

    def smuggler_cells(self, *, origin: str, detection_country: str, smugglers: int) -> list[tuple]:
        rng = self.draws
        cells: dict[tuple[str, str, str], int] = {}
        for _ in range(smugglers):
            if rng.random() < 0.1:
                continue  # not identified: part of the unknown remainder
            citizenship = detection_country if rng.random() < 0.6 else origin
            sex = MALE if rng.random() < catalogue.SMUGGLER_MALE_SHARE else FEMALE
            age = ADULT if rng.random() < catalogue.SMUGGLER_ADULT_SHARE else MINOR
            cells[(citizenship, sex, age)] = cells.get((citizenship, sex, age), 0) + 1
        return [(*key, count, 0) for key, count in cells.items()]
