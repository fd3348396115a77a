"""Incident records: list and read through the reciprocity rule; create, change and move them
through the workflow through reporting/services/incidents.py."""

import orjson
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Agency
from reporting import codes
from reporting.api.base import ApiView
from reporting.api.docs import (
    CURSOR_PARAMETER,
    INVALID,
    KEY_REUSED,
    NOT_FOUND,
    PRECONDITION_REQUIRED,
    READ_ERRORS,
    STALE_409,
    STALE_412,
    STATE_CONFLICT,
    WRITE_ERRORS,
    page_of,
)
from reporting.api.errors import Conflict, PreconditionFailed
from reporting.api.filters import INCIDENT_FILTER_PARAMETERS, incident_filter, incident_filter_values
from reporting.api.idempotency import IDEMPOTENCY_PARAMETER, IF_MATCH_PARAMETER, etag_for, expected_version, idempotent
from reporting.api.pagination import ApiCursorPagination
from reporting.api.permissions import CanEnterRecords, require_may_change
from reporting.api.records import incident_record_texts, records_in_sql
from reporting.api.serializers import (
    COUNTRY_CHOICES,
    CURRENCY_CHOICES,
    INCIDENT_PREFETCH,
    INCIDENT_RELATED,
    BreakdownSerializer,
    ChoiceField,
    DocumentSerializer,
    IncidentOutputSerializer,
    TextField,
    code_list,
)
from reporting.models import AccessEvent, BorderCrossingPoint, Incident
from reporting.reciprocity import incident_get_for, record_access, visible_incidents
from reporting.services.incidents import (
    SCREENED_FIELDS,
    StaleRecord,
    incident_correct,
    incident_create,
    incident_return,
    incident_sharing_set,
    incident_submit,
    incident_update,
    incident_validate,
    incident_withdraw,
    screening_messages,
    screening_refusals,
)

INCIDENT_EXAMPLE = {
    "id": 1042,
    "participant": "AUS",
    "month": "2026-09-01",
    "status": "validated",
    "version": 3,
    "national_reference": "AUS-BPC-2026-0917",
    "agency": 7,
    "agency_name": "Australian Border Force",
    "sharing_level": "shared",
    "embargo_until": None,
    "categories": ["migrant_smuggling", "irregular_entry"],
    "protocol_benefit": "yes",
    "source": "investigation",
    "confidence": "high",
    "detection_date": "2026-09-14",
    "detection_country": "AUS",
    "detection_place": "Ashmore Reef",
    "latitude": "-12.25000",
    "longitude": "123.04000",
    "border_crossing_point": None,
    "detection_context": "at_sea",
    "modes": ["sea"],
    "methods": ["fishing_boat"],
    "origin_country": "LKA",
    "transit_countries": ["IDN"],
    "destination_country": "AUS",
    "migrants_total": 41,
    "smugglers_total": 3,
    "smuggler_roles": ["captain_crew"],
    "breakdowns": [
        {"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "adult", "count": 30, "unaccompanied": 0}
    ],
    "fee_per_person": "4500.00",
    "fee_currency": "USD",
    "fee_usd": "4500.00",
    "fee_scope": "full_package",
    "payment_modality": "upfront",
    "documents": [],
    "dead": 0,
    "missing": 0,
    "injured": 0,
    "rescued": 0,
    "cause_of_death": "",
    "abuses": ["endangerment_of_life"],
    "narrative": "Wooden fishing vessel intercepted; passengers had paid a fee covering the whole journey.",
    "review_comment": "",
    "created_at": "2026-09-15T02:11:00Z",
    "updated_at": "2026-09-20T08:40:00Z",
    "submitted_at": "2026-09-16T01:00:00Z",
    "validated_at": "2026-09-20T08:40:00Z",
}

NEXT_EXAMPLE = "https://vrs.example/api/v1/incidents/?cursor=cD0xMDQx"
ID_PARAMETER = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The record's id (404 if it does not exist or you may not read it)."
)
AFTER_EXAMPLE = OpenApiExample("the record after", value=INCIDENT_EXAMPLE, response_only=True, status_codes=["200"])


class IncidentListApi(ApiView):
    """Records the caller may read: all of their own participant's, and others' shared records
    when the reciprocity rule allows. Reading others' records is logged for their focal points."""

    OutputSerializer = IncidentOutputSerializer

    @extend_schema(
        operation_id="incidents_list",
        tags=["incidents"],
        summary="List readable incident records",
        parameters=[*INCIDENT_FILTER_PARAMETERS, CURSOR_PARAMETER],
        responses={
            200: OpenApiResponse(page_of("IncidentPage", IncidentOutputSerializer)),
            400: INVALID,
            **READ_ERRORS,
        },
        examples=[
            OpenApiExample(
                "a page",
                response_only=True,
                value={
                    "next": NEXT_EXAMPLE,
                    "previous": None,
                    "results": [INCIDENT_EXAMPLE],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        queryset = incident_filter(visible_incidents(request.user), incident_filter_values(request.query_params))
        paginator = ApiCursorPagination()
        if not records_in_sql():
            queryset = queryset.select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH)
            page = paginator.paginate_queryset(queryset, request, view=self)
            record_access(user=request.user, incidents=page, via=AccessEvent.Via.API)
            return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
        # The rule's query chooses the page (ids only); PostgreSQL writes those records' JSON.
        page = paginator.paginate_queryset(queryset.values("id", "participant_id"), request, view=self)
        record_access(user=request.user, incidents=page, via=AccessEvent.Via.API)
        texts = incident_record_texts([row["id"] for row in page])
        return paginator.get_paginated_response([orjson.Fragment(text) for text in texts])


class IncidentDetailApi(ApiView):
    """One record: 404 when it does not exist or the rule does not let the caller read it."""

    OutputSerializer = IncidentOutputSerializer

    @extend_schema(
        operation_id="incidents_retrieve",
        tags=["incidents"],
        summary="Read one incident record",
        parameters=[ID_PARAMETER],
        responses={
            200: OpenApiResponse(IncidentOutputSerializer, description="The record; its ETag header is its version."),
            404: NOT_FOUND,
            **READ_ERRORS,
        },
        examples=[OpenApiExample("a record", value=INCIDENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request.user, pk)
        record_access(user=request.user, incidents=[incident], via=AccessEvent.Via.API)
        prefetch_related_objects([incident], *INCIDENT_RELATED, *INCIDENT_PREFETCH)
        return Response(self.OutputSerializer(incident).data, headers={"ETag": etag_for(incident.version)})


# Writing -----------------------------------------------------------------------------------------


def _owned_reference_errors(*, participant_id: int | None, data: dict) -> dict:
    """The agency and crossing point must be the owner's own: checked here so a wrong id answers
    400 with the field, never a database error."""
    errors: dict[str, list] = {}
    resolved: dict = {}
    if "agency" in data:
        agency_id = data.pop("agency")
        if agency_id is not None and not Agency.objects.filter(pk=agency_id, participant_id=participant_id).exists():
            errors["agency"] = [ErrorDetail(_("Choose one of your own agencies (see /api/v1/me/)."), "invalid_choice")]
        resolved["agency_id"] = agency_id
    if "border_crossing_point" in data:
        code = data.pop("border_crossing_point")
        bcp_id = None
        if code:
            bcp_id = (
                BorderCrossingPoint.objects.filter(participant_id=participant_id, code=code)
                .values_list("pk", flat=True)
                .first()
            )
            if bcp_id is None:
                errors["border_crossing_point"] = [
                    ErrorDetail(_("No crossing point of yours has the code “%(code)s”.") % {"code": code}, "invalid")
                ]
        resolved["border_crossing_point_id"] = bcp_id
    data.update(resolved)
    return errors


class IncidentInputSerializer(serializers.Serializer):
    """A record as a national system sends it. Leave out what you do not know: drafts may be
    incomplete; submission asks for the rest."""

    national_reference = TextField(max_length=64)
    detection_date = serializers.DateField()
    agency = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    sharing_level = ChoiceField(choices=codes.SharingLevel.choices, required=False)
    embargo_until = serializers.DateField(required=False, allow_null=True)
    categories = code_list(codes.ConductCategory.choices)
    protocol_benefit = ChoiceField(choices=codes.ProtocolBenefit.choices, required=False)
    source = ChoiceField(choices=codes.Source.choices, required=False, allow_blank=True)
    confidence = ChoiceField(choices=codes.Confidence.choices, required=False, allow_blank=True)
    detection_country = ChoiceField(choices=COUNTRY_CHOICES, required=False, allow_blank=True)
    detection_place = TextField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, min_value=-180, max_value=180, required=False, allow_null=True
    )
    border_crossing_point = TextField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="One of your crossing points' codes.",
    )
    detection_context = ChoiceField(choices=codes.DetectionContext.choices, required=False, allow_blank=True)
    modes = code_list(codes.Mode.choices)
    methods = code_list(codes.Method.choices)
    origin_country = ChoiceField(choices=COUNTRY_CHOICES, required=False, allow_blank=True)
    transit_countries = serializers.ListField(child=ChoiceField(choices=COUNTRY_CHOICES), required=False, max_length=20)
    destination_country = ChoiceField(choices=COUNTRY_CHOICES, required=False, allow_blank=True)
    migrants_total = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    smugglers_total = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    smuggler_roles = code_list(codes.SmugglerRole.choices)
    breakdowns = BreakdownSerializer(many=True, required=False, max_length=500)
    fee_per_person = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    fee_currency = ChoiceField(choices=CURRENCY_CHOICES, required=False, allow_blank=True)
    fee_scope = ChoiceField(choices=codes.FeeScope.choices, required=False, allow_blank=True)
    payment_modality = ChoiceField(choices=codes.PaymentModality.choices, required=False, allow_blank=True)
    documents = DocumentSerializer(many=True, required=False, max_length=500)
    dead = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    missing = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    injured = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    rescued = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    cause_of_death = ChoiceField(choices=codes.CauseOfDeath.choices, required=False, allow_blank=True)
    abuses = code_list(codes.Abuse.choices)
    narrative = TextField(max_length=20_000, required=False, allow_blank=True, trim_whitespace=False)
    screening_override = TextField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Focal point only: why the free text, which the personal-data check flags, holds no personal data.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("categories", "modes", "methods", "smuggler_roles", "abuses"):
            self.fields[name].required = False

    def to_internal_value(self, data):
        """The fields' checks and the personal-data screening of the free text, every problem at
        once (a refused text answers 400 naming the field and what was found, code personal_data)."""
        errors: dict = {}
        try:
            value = super().to_internal_value(data)
        except ValidationError as error:
            errors, value = dict(error.detail), None
        if hasattr(data, "get") and not str(data.get("screening_override") or "").strip():
            texts = {name: data.get(name) for name in SCREENED_FIELDS if isinstance(data.get(name), str)}
            hits = screening_refusals(values=texts, kept=self.context.get("incident"))
            for field, messages in screening_messages(hits).items():
                found = [ErrorDetail(m.messages[0], "personal_data") for m in messages]
                errors[field] = [*errors.get(field, []), *found]
        if errors:
            raise ValidationError(errors)
        return value


ROW_FIELDS = ("transit_countries", "breakdowns", "documents")


def _rows_of(incident: Incident) -> dict:
    return {
        "transits": [t.country for t in incident.transits.all()],
        "breakdowns": [
            {k: getattr(b, k) for k in ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")}
            for b in incident.breakdowns.all()
        ],
        "documents": [
            {k: getattr(d, k) for k in ("document_type", "fraud_type", "issuing_country", "count")}
            for d in incident.documents.all()
        ],
    }


def _service_arguments(validated: dict, *, participant_id: int | None, current: Incident | None = None) -> dict:
    data = dict(validated)
    rows = _rows_of(current) if current is not None else {"transits": [], "breakdowns": [], "documents": []}
    if "transit_countries" in data:
        rows["transits"] = data.pop("transit_countries")
    for name in ("breakdowns", "documents"):
        if name in data:
            rows[name] = [dict(row) for row in data.pop(name)]
    data.pop("version", None)
    data.pop("reason", None)
    override = data.pop("screening_override", "")
    errors = _owned_reference_errors(participant_id=participant_id, data=data)
    if errors:
        raise ValidationError(errors)
    return {"data": data, **rows, "screening_override": override}


def _stale(error: StaleRecord, how: str):
    message = str(error)
    return PreconditionFailed(message) if how == "if-match" else Conflict(message, code="stale_record")


def _written(
    incident: Incident, status_code: int = 200, *, request: Request | None = None, read_back: bool = True
) -> Response:
    if read_back:
        # Read back as stored (the services normalise).
        incident = (
            Incident.objects.select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH).get(pk=incident.pk)
        )
    # Else a record just created: its values as validated and written, its rows as the service kept
    # them (tests/api/test_incident_create_answer.py: the same as reading it back).
    record = IncidentOutputSerializer(incident).data
    headers = {"ETag": etag_for(record["version"])}
    if request is not None and status_code == 201:
        headers["Location"] = request.build_absolute_uri(reverse("api:incident-detail", args=[incident.pk]))
    return Response(record, status=status_code, headers=headers)


class IncidentCreateApi(IncidentListApi):
    """POST on the list: a new draft record of the caller's participant."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanEnterRecords]

    InputSerializer = IncidentInputSerializer

    @extend_schema(
        operation_id="incidents_create",
        tags=["incidents"],
        summary="Create a draft record",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=IncidentInputSerializer,
        responses={
            201: OpenApiResponse(IncidentOutputSerializer, description="Created; Location and ETag headers."),
            409: STATE_CONFLICT,
            422: KEY_REUSED,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample(
                "a boat interception",
                request_only=True,
                value={
                    "national_reference": "AUS-BPC-2026-0917",
                    "detection_date": "2026-09-14",
                    "categories": ["migrant_smuggling"],
                    "source": "investigation",
                    "confidence": "high",
                    "detection_country": "AUS",
                    "detection_context": "at_sea",
                    "modes": ["sea"],
                    "methods": ["fishing_boat"],
                    "origin_country": "LKA",
                    "transit_countries": ["IDN"],
                    "destination_country": "AUS",
                    "migrants_total": 41,
                    "breakdowns": [{"group": "migrant", "citizenship": "LKA", "count": 30}],
                },
            ),
            OpenApiExample("a created record", value=INCIDENT_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        participant = request.user.participant
        if participant is None:
            raise PermissionDenied(_("Only contributors and focal points of a participant enter records."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_create(
            created_by=request.user,
            participant=participant,
            **_service_arguments(data.validated_data, participant_id=participant.pk),
        )
        return _written(incident, 201, request=request, read_back=False)


class IncidentChangeApi(IncidentDetailApi):
    """PATCH on a record: change what is sent, keep the rest (rows are replaced only when sent)."""

    class InputSerializer(IncidentInputSerializer):
        class Meta:
            ref_name = "IncidentChange"

        version = serializers.IntegerField(
            min_value=1, required=False, help_text="The version you read (or send If-Match)."
        )
        reason = TextField(
            max_length=2000, required=False, allow_blank=True, help_text="Why: required to correct a validated record."
        )

    @extend_schema(
        operation_id="incidents_partial_update",
        tags=["incidents"],
        summary="Change a record (draft, returned; the focal point also submitted and validated ones)",
        parameters=[ID_PARAMETER, IF_MATCH_PARAMETER],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(IncidentOutputSerializer, description="Saved; the new ETag."),
            404: NOT_FOUND,
            409: STALE_409,
            412: STALE_412,
            428: PRECONDITION_REQUIRED,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample("raise the total", request_only=True, value={"version": 3, "migrants_total": 44}),
            AFTER_EXAMPLE,
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request.user, pk)
        require_may_change(request.user, incident)
        version, how = expected_version(request)
        data = self.InputSerializer(data=request.data, partial=True, context={"incident": incident})
        data.is_valid(raise_exception=True)
        arguments = _service_arguments(data.validated_data, participant_id=incident.participant_id, current=incident)
        try:
            if incident.status == Incident.Status.VALIDATED:
                incident = incident_correct(
                    incident=incident,
                    corrected_by=request.user,
                    expected_version=version,
                    reason=data.validated_data.get("reason", ""),
                    **arguments,
                )
            else:
                incident = incident_update(
                    incident=incident, updated_by=request.user, expected_version=version, **arguments
                )
        except StaleRecord as error:
            raise _stale(error, how) from error
        return _written(incident)


class IncidentActionApi(ApiView):
    """A workflow step: submit, validate, return (with a comment), withdraw (with a reason), or set
    sharing (focal point)."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "IncidentAction"

        version = serializers.IntegerField(min_value=1, required=False, help_text="The version you read.")
        comment = TextField(max_length=4000, required=False, allow_blank=True, help_text="For `return`: what to fix.")
        reason = TextField(max_length=4000, required=False, allow_blank=True, help_text="For `withdraw`: why.")
        sharing_level = ChoiceField(choices=codes.SharingLevel.choices, required=False, help_text="For `sharing`.")
        embargo_until = serializers.DateField(required=False, allow_null=True, help_text="For `sharing`.")

    ACTIONS = ("submit", "validate", "return", "withdraw", "sharing")

    @extend_schema(
        operation_id="incidents_action",
        tags=["incidents"],
        summary="Move a record through the workflow",
        description=(
            "`submit` (contributor or focal point: draft or returned → submitted), `validate` and `return` "
            "(focal point: submitted → validated / returned, `comment` required for return), `withdraw` "
            "(`reason` required; never deleted), `sharing` (focal point: `sharing_level`, `embargo_until`)."
        ),
        parameters=[
            ID_PARAMETER,
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS), description="The step."),
            IF_MATCH_PARAMETER,
        ],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(IncidentOutputSerializer, description="The record after the step; the new ETag."),
            404: NOT_FOUND,
            409: STALE_409,
            412: STALE_412,
            428: PRECONDITION_REQUIRED,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample("validate", request_only=True, value={"version": 2}),
            OpenApiExample("return", request_only=True, value={"version": 2, "comment": "Give the detection context."}),
            OpenApiExample("withdraw", request_only=True, value={"version": 4, "reason": "Entered twice."}),
            AFTER_EXAMPLE,
        ],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        incident = incident_get_for(request.user, pk)
        require_may_change(request.user, incident)
        version, how = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        try:
            if action == "submit":
                incident = incident_submit(incident=incident, submitted_by=user, expected_version=version)
            elif action == "validate":
                incident = incident_validate(incident=incident, validated_by=user, expected_version=version)
            elif action == "return":
                incident = incident_return(
                    incident=incident, returned_by=user, comment=values.get("comment", ""), expected_version=version
                )
            elif action == "withdraw":
                incident = incident_withdraw(
                    incident=incident, withdrawn_by=user, reason=values.get("reason", ""), expected_version=version
                )
            else:
                if "sharing_level" not in values:
                    raise ValidationError({"sharing_level": [_("Choose a sharing level.")]})
                incident = incident_sharing_set(
                    incident=incident,
                    changed_by=user,
                    sharing_level=values["sharing_level"],
                    embargo_until=values.get("embargo_until"),
                    expected_version=version,
                )
        except StaleRecord as error:
            raise _stale(error, how) from error
        return _written(incident)
