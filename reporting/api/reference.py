"""Reference code lists: countries, currencies and every enumeration of an incident record."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.codes import country_choices, currency_choices
from reporting import codes
from reporting.api.base import ApiView
from reporting.api.docs import NOT_FOUND, READ_ERRORS
from reporting.models import Incident


def _enumerations() -> dict:
    return {
        "countries": country_choices,
        "currencies": currency_choices,
        "incident_status": lambda: Incident.Status.choices,
        "conduct_category": lambda: codes.ConductCategory.choices,
        "protocol_benefit": lambda: codes.ProtocolBenefit.choices,
        "source": lambda: codes.Source.choices,
        "confidence": lambda: codes.Confidence.choices,
        "detection_context": lambda: codes.DetectionContext.choices,
        "mode": lambda: codes.Mode.choices,
        "method": lambda: codes.Method.choices,
        "person_group": lambda: codes.PersonGroup.choices,
        "sex": lambda: codes.Sex.choices,
        "age_group": lambda: codes.AgeGroup.choices,
        "smuggler_role": lambda: codes.SmugglerRole.choices,
        "fee_scope": lambda: codes.FeeScope.choices,
        "payment_modality": lambda: codes.PaymentModality.choices,
        "document_type": lambda: codes.DocumentType.choices,
        "fraud_type": lambda: codes.FraudType.choices,
        "cause_of_death": lambda: codes.CauseOfDeath.choices,
        "abuse": lambda: codes.Abuse.choices,
        "sharing_level": lambda: codes.SharingLevel.choices,
    }


LIST_NAMES = tuple(_enumerations())


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text="In the language of the request (Accept-Language).")


def _codes(name: str) -> list[dict]:
    return [{"code": code, "label": str(label)} for code, label in _enumerations()[name]()]


class ReferenceListApi(ApiView):
    """Every code list, with labels: what each coded field of a record accepts."""

    OutputSerializer = inline_serializer(
        name="ReferenceLists", fields={name: CodeSerializer(many=True) for name in LIST_NAMES}
    )

    @extend_schema(
        operation_id="reference_lists",
        tags=["reference"],
        summary="All code lists",
        responses={200: OutputSerializer, **READ_ERRORS},
        examples=[OpenApiExample("excerpt", value={"mode": [{"code": "sea", "label": "Sea"}]}, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response({name: _codes(name) for name in LIST_NAMES})


class ReferenceDetailApi(ApiView):
    """One code list, with labels."""

    @extend_schema(
        operation_id="reference_list",
        tags=["reference"],
        summary="One code list",
        parameters=[
            OpenApiParameter(
                "name", str, OpenApiParameter.PATH, enum=list(LIST_NAMES), description="The code list's name."
            )
        ],
        responses={200: CodeSerializer(many=True), 404: NOT_FOUND, **READ_ERRORS},
        examples=[OpenApiExample("modes", value=[{"code": "land", "label": "Land"}], response_only=True)],
    )
    def get(self, request: Request, name: str) -> Response:
        if name not in LIST_NAMES:
            raise Http404
        return Response(_codes(name))
