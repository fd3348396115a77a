"""Incident records: list and read through the reciprocity rule; create, change and move them
through the workflow through reporting/services/incidents.py."""

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from reporting.api.base import ApiView
from reporting.api.docs import CURSOR_PARAMETER, NOT_FOUND, READ_ERRORS, page_of
from reporting.api.filters import INCIDENT_FILTER_PARAMETERS, IncidentFilterSerializer, incident_filter
from reporting.api.idempotency import etag_for
from reporting.api.pagination import ApiCursorPagination
from reporting.api.serializers import INCIDENT_PREFETCH, INCIDENT_RELATED, IncidentOutputSerializer
from reporting.models import AccessEvent, Incident
from reporting.reciprocity import incident_get_for, record_access, visible_incidents

INCIDENT_EXAMPLE = {
    "id": 1042,
    "participant": "AUS",
    "month": "2026-09-01",
    "status": "validated",
    "version": 3,
    "national_reference": "AUS-BPC-2026-0917",
    "agency": "Australian Border Force",
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
    "created_at": "2026-09-15T02:11:00Z",
    "updated_at": "2026-09-20T08:40:00Z",
    "submitted_at": "2026-09-16T01:00:00Z",
    "validated_at": "2026-09-20T08:40:00Z",
}

NEXT_EXAMPLE = "https://vrs.example/api/v1/incidents/?cursor=cD0xMDQx"


def _readable(user) -> "Incident":
    return visible_incidents(user).select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH)


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
            400: OpenApiResponse(description="A filter has a bad value (every problem listed)."),
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
        filters = IncidentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = incident_filter(_readable(request.user), filters.validated_data)
        paginator = ApiCursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        record_access(user=request.user, incidents=page, via=AccessEvent.Via.API)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class IncidentDetailApi(ApiView):
    """One record: 404 when it does not exist or the rule does not let the caller read it."""

    OutputSerializer = IncidentOutputSerializer

    @extend_schema(
        operation_id="incidents_retrieve",
        tags=["incidents"],
        summary="Read one incident record",
        responses={
            200: OpenApiResponse(IncidentOutputSerializer, description="The record; its ETag header is its version."),
            404: NOT_FOUND,
            **READ_ERRORS,
        },
        examples=[OpenApiExample("a record", value=INCIDENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_get_for(request.user, pk)
        prefetch_related_objects([incident], "agency", "border_crossing_point", *INCIDENT_PREFETCH)
        record_access(user=request.user, incidents=[incident], via=AccessEvent.Via.API)
        return Response(self.OutputSerializer(incident).data, headers={"ETag": etag_for(incident.version)})
