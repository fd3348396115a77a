"""The coded values of an incident record (docs/workflow.md), with the labels users read.

Each enumeration is a TextChoices, so forms, the API and exports share one list of codes and labels.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConductCategory(models.TextChoices):
    IRREGULAR_ENTRY = "irregular_entry", _("Irregular entry")
    IRREGULAR_EXIT = "irregular_exit", _("Irregular exit")
    IRREGULAR_STAY = "irregular_stay", _("Irregular stay")
    MIGRANT_SMUGGLING = "migrant_smuggling", _("Migrant smuggling")
    DOCUMENT_FRAUD = "document_fraud", _("Document fraud")
    OTHER_RELATED = "other_related_conduct", _("Other related conduct")


class ProtocolBenefit(models.TextChoices):
    """Whether the Protocol's element of financial or other material benefit is met."""

    YES = "yes", _("Yes: financial or other material benefit")
    NO = "no", _("No: facilitation without benefit (national definition)")
    UNKNOWN = "unknown", _("Unknown")


class Source(models.TextChoices):
    OFFICIAL_RECORD = "official_record", _("Official record")
    INVESTIGATION = "investigation", _("Investigation")
    INTERVIEW = "interview", _("Interview")
    ESTIMATE = "estimate", _("Estimate")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class DetectionContext(models.TextChoices):
    AT_BCP = "at_bcp", _("At a border crossing point")
    BETWEEN_BCPS = "between_bcps", _("Between border crossing points")
    INLAND = "inland", _("Inland")
    AT_SEA = "at_sea", _("At sea")
    ON_EXIT = "on_exit", _("On exit")


class Mode(models.TextChoices):
    LAND = "land", _("Land")
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")


class Method(models.TextChoices):
    """Conveyances and methods used."""

    COMMERCIAL_FLIGHT = "commercial_flight", _("Commercial flight")
    FISHING_BOAT = "fishing_boat", _("Fishing boat")
    CARGO_VESSEL = "cargo_vessel", _("Cargo vessel")
    SMALL_BOAT = "small_boat", _("Small boat or speedboat")
    TRUCK_CONTAINER = "truck_container", _("Truck or container")
    CAR_BUS = "car_bus", _("Car or bus")
    ON_FOOT = "on_foot", _("On foot")
    CONCEALMENT = "concealment", _("Concealment")
    ABUSE_OF_LEGAL_ENTRY = "abuse_of_legal_entry", _("Abuse of legal entry or visa")
    FRAUDULENTLY_OBTAINED_DOCUMENTS = (
        "fraudulently_obtained_documents",
        _("Fraudulently obtained genuine documents"),
    )
    FALSE_DOCUMENTS = "false_documents", _("False or forged documents")
    OTHER = "other", _("Other")


class PersonGroup(models.TextChoices):
    MIGRANT = "migrant", _("Migrants")
    SMUGGLER = "smuggler", _("Smugglers")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class AgeGroup(models.TextChoices):
    ADULT = "adult", _("Adult")
    MINOR = "minor", _("Minor (under 18)")
    UNKNOWN = "unknown", _("Unknown")


class SmugglerRole(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    RECRUITER = "recruiter", _("Recruiter")
    TRANSPORTER = "transporter", _("Transporter or driver")
    CAPTAIN_CREW = "captain_crew", _("Captain or crew")
    GUIDE = "guide", _("Guide")
    DOCUMENT_SUPPLIER = "document_supplier", _("Document forger or supplier")
    MONEY_HANDLER = "money_handler", _("Money handler (e.g. hawala)")
    SAFE_HOUSE = "safe_house", _("Safe-house keeper")
    CORRUPT_OFFICIAL = "corrupt_official", _("Corrupt official")
    OTHER = "other", _("Other")


class FeeScope(models.TextChoices):
    FULL_PACKAGE = "full_package", _("Full package")
    ONE_LEG = "one_leg", _("One leg (pay as you go)")
    UNKNOWN = "unknown", _("Unknown")


class PaymentModality(models.TextChoices):
    UPFRONT = "upfront", _("Upfront")
    THIRD_PARTY = "third_party", _("Trusted third party or hawala")
    ON_ARRIVAL = "on_arrival", _("On arrival or guarantee")
    DEBT_LABOUR = "debt_labour", _("Debt or labour")
    UNKNOWN = "unknown", _("Unknown")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity card")
    VISA = "visa", _("Visa")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    OTHER = "other", _("Other")


class FraudType(models.TextChoices):
    COUNTERFEIT = "counterfeit", _("Counterfeit")
    FORGED = "forged", _("Forged or altered")
    PSEUDO = "pseudo", _("Pseudo document")
    FRAUDULENTLY_OBTAINED = "fraudulently_obtained", _("Fraudulently obtained genuine")
    IMPOSTOR = "impostor", _("Impostor (misused genuine)")
    STOLEN_BLANK = "stolen_blank", _("Stolen blank")


class CauseOfDeath(models.TextChoices):
    DROWNING = "drowning", _("Drowning")
    VEHICLE_ACCIDENT = "vehicle_accident", _("Vehicle accident")
    HARSH_CONDITIONS = "harsh_conditions", _("Harsh conditions or lack of shelter, food, water")
    SUFFOCATION = "suffocation", _("Suffocation in concealment")
    VIOLENCE = "violence", _("Violence")
    SICKNESS = "sickness", _("Sickness")
    UNKNOWN = "unknown", _("Unknown")


class Abuse(models.TextChoices):
    ENDANGERMENT = "endangerment_of_life", _("Endangerment of life")
    INHUMAN_TREATMENT = "inhuman_treatment", _("Inhuman or degrading treatment")
    VIOLENCE = "violence", _("Violence")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    KIDNAPPING = "kidnapping_extortion", _("Kidnapping or extortion")
    POSSIBLE_TRAFFICKING = "possible_trafficking", _("Exploitation or possible trafficking")


class SharingLevel(models.TextChoices):
    SHARED = "shared", _("Shared with contributing participants")
    AGGREGATE_ONLY = "aggregate_only", _("In regional aggregates only")
    NATIONAL_ONLY = "national_only", _("National only")
