"""Output shapes shared by several API views (inputs are nested in each view, STYLE.md section 4).

Codes are always the codes of reporting/codes.py and ISO lists (their labels: /api/v1/reference/).
"""

from rest_framework import serializers

from accounts.codes import country_choices, currency_choices
from accounts.models import Participant
from reporting import codes
from reporting.models import Incident, Return

# Named once so the schema has one CountryEnum and one CurrencyEnum (SPECTACULAR_SETTINGS).
COUNTRY_CHOICES = country_choices()
CURRENCY_CHOICES = currency_choices()


def code_list(choices) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=choices))


class BreakdownSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=codes.PersonGroup.choices)
    citizenship = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True, required=False, default="")
    sex = serializers.ChoiceField(choices=codes.Sex.choices, required=False, default=codes.Sex.UNKNOWN)
    age_group = serializers.ChoiceField(choices=codes.AgeGroup.choices, required=False, default=codes.AgeGroup.UNKNOWN)
    count = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unaccompanied = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)


class DocumentSerializer(serializers.Serializer):
    document_type = serializers.ChoiceField(choices=codes.DocumentType.choices)
    fraud_type = serializers.ChoiceField(choices=codes.FraudType.choices)
    issuing_country = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True, required=False, default="")
    count = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)


class IncidentOutputSerializer(serializers.Serializer):
    """One incident record as a reader sees it."""

    id = serializers.IntegerField()
    participant = serializers.CharField(source="participant.code", help_text="The owner's participant code.")
    month = serializers.DateField(source="ret.month", help_text="The month of the return it belongs to.")
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    version = serializers.IntegerField(help_text="Send it back (or the ETag in If-Match) when changing the record.")
    national_reference = serializers.CharField()
    agency = serializers.IntegerField(source="agency_id", allow_null=True, help_text="The reporting agency's id.")
    agency_name = serializers.CharField(source="agency.name", allow_null=True, default=None)
    sharing_level = serializers.ChoiceField(choices=codes.SharingLevel.choices)
    embargo_until = serializers.DateField(allow_null=True)
    categories = code_list(codes.ConductCategory.choices)
    protocol_benefit = serializers.ChoiceField(choices=codes.ProtocolBenefit.choices)
    source = serializers.ChoiceField(choices=codes.Source.choices, allow_blank=True)
    confidence = serializers.ChoiceField(choices=codes.Confidence.choices, allow_blank=True)
    detection_date = serializers.DateField()
    detection_country = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    detection_place = serializers.CharField(allow_blank=True)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    border_crossing_point = serializers.CharField(
        source="border_crossing_point.code", allow_null=True, default=None, help_text="The crossing point's code."
    )
    detection_context = serializers.ChoiceField(choices=codes.DetectionContext.choices, allow_blank=True)
    modes = code_list(codes.Mode.choices)
    methods = code_list(codes.Method.choices)
    origin_country = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    transit_countries = serializers.SerializerMethodField()
    destination_country = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    migrants_total = serializers.IntegerField()
    smugglers_total = serializers.IntegerField()
    smuggler_roles = code_list(codes.SmugglerRole.choices)
    breakdowns = BreakdownSerializer(many=True)
    fee_per_person = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fee_currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, allow_blank=True)
    fee_usd = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fee_scope = serializers.ChoiceField(choices=codes.FeeScope.choices, allow_blank=True)
    payment_modality = serializers.ChoiceField(choices=codes.PaymentModality.choices, allow_blank=True)
    documents = DocumentSerializer(many=True)
    dead = serializers.IntegerField()
    missing = serializers.IntegerField()
    injured = serializers.IntegerField()
    rescued = serializers.IntegerField()
    cause_of_death = serializers.ChoiceField(choices=codes.CauseOfDeath.choices, allow_blank=True)
    abuses = code_list(codes.Abuse.choices)
    narrative = serializers.CharField(allow_blank=True)
    review_comment = serializers.CharField(allow_blank=True, help_text="The focal point's note when returned.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    validated_at = serializers.DateTimeField(allow_null=True)

    def get_transit_countries(self, incident: Incident) -> list[str]:
        return [t.country for t in incident.transits.all()]

    # The list serves national systems 50 records a page; walking ~55 DRF fields per record cost
    # about a third of the request's CPU (bench/api.py). The same dict, built directly from the
    # declared fields' own conversions where they do anything; tests/api/test_serializers.py checks
    # it equals DRF's field-by-field result, so the fields above stay the contract (and the schema).
    PLAIN = (
        "id", "status", "version", "national_reference", "sharing_level", "categories", "protocol_benefit",
        "source", "confidence", "detection_country", "detection_place", "detection_context", "modes", "methods",
        "origin_country", "destination_country", "migrants_total", "smugglers_total", "smuggler_roles",
        "fee_currency", "fee_scope", "payment_modality", "dead", "missing", "injured", "rescued", "cause_of_death",
        "abuses", "narrative", "review_comment",
    )  # fmt: skip
    CONVERTED = (
        "embargo_until", "detection_date", "latitude", "longitude", "fee_per_person", "fee_usd", "created_at",
        "updated_at", "submitted_at", "validated_at",
    )  # fmt: skip
    BREAKDOWN_KEYS = ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")
    DOCUMENT_KEYS = ("document_type", "fraud_type", "issuing_country", "count")

    def to_representation(self, incident: Incident) -> dict:
        fields = self.fields
        data = {name: getattr(incident, name) for name in self.PLAIN}
        for name in self.CONVERTED:
            value = getattr(incident, name)
            data[name] = None if value is None else fields[name].to_representation(value)
        agency, crossing = incident.agency, incident.border_crossing_point
        data.update(
            participant=incident.participant.code,
            month=incident.ret.month.isoformat(),
            agency=incident.agency_id,
            agency_name=agency.name if agency is not None else None,
            border_crossing_point=crossing.code if crossing is not None else None,
            transit_countries=[t.country for t in incident.transits.all()],
            breakdowns=[{k: getattr(b, k) for k in self.BREAKDOWN_KEYS} for b in incident.breakdowns.all()],
            documents=[{k: getattr(d, k) for k in self.DOCUMENT_KEYS} for d in incident.documents.all()],
        )
        return {name: data[name] for name in fields}


INCIDENT_PREFETCH = ("transits", "breakdowns", "documents")
INCIDENT_RELATED = ("participant", "ret", "agency", "border_crossing_point")


class ReturnOutputSerializer(serializers.Serializer):
    participant = serializers.CharField(source="participant.code")
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    status = serializers.ChoiceField(choices=Return.Status.choices)
    is_nil = serializers.BooleanField(help_text="Submitted as “nothing to report”.")
    due_on = serializers.DateField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_month(self, ret: Return) -> str:
        return f"{ret.month:%Y-%m}"


class ParticipantOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)
    region = serializers.ChoiceField(choices=Participant.Region.choices)
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    status = serializers.ChoiceField(choices=Participant.Status.choices)
    joined_on = serializers.DateField(allow_null=True)
