"""The incident list's query parameters: checked like any input (every problem at once, 400),
then applied as plain filters on the queryset the reciprocity rule returned."""

import datetime as dt

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from reporting import codes
from reporting.api.docs import PAGE_SIZE_PARAMETER, query_enum
from reporting.api.serializers import COUNTRY_CHOICES, MONTH_MESSAGE, MONTH_QUERY_PATTERN, ChoiceField, MonthField
from reporting.models import Incident


class IncidentFilterSerializer(serializers.Serializer):
    month = MonthField(
        required=False,
        help_text="The month of the record's return, YYYY-MM.",
    )
    month_from = MonthField(
        required=False,
        help_text="First month (YYYY-MM), inclusive.",
    )
    month_to = MonthField(
        required=False,
        help_text="Last month (YYYY-MM), inclusive.",
    )
    category = ChoiceField(
        choices=codes.ConductCategory.choices, required=False, help_text="Records with this conduct category."
    )
    mode = ChoiceField(choices=codes.Mode.choices, required=False, help_text="Records with this mode.")
    route_country = ChoiceField(
        choices=COUNTRY_CHOICES, required=False, help_text="Origin, transit or destination country (ISO alpha-3)."
    )
    origin_country = ChoiceField(choices=COUNTRY_CHOICES, required=False, help_text="Route origin.")
    transit_country = ChoiceField(
        choices=COUNTRY_CHOICES, required=False, help_text="One of the route's transit countries."
    )
    destination_country = ChoiceField(choices=COUNTRY_CHOICES, required=False, help_text="Intended destination.")
    status = ChoiceField(
        choices=Incident.Status.choices, required=False, help_text="Workflow status (others' records: validated)."
    )
    participant = serializers.CharField(max_length=10, required=False, help_text="A participant code, e.g. AUS.")
    q = serializers.CharField(
        max_length=200, required=False, help_text="Full-text search in the narrative, place and national reference."
    )

    def _month_value(self, value: str) -> str:
        try:
            _month(value)
        except ValueError as error:
            raise serializers.ValidationError(MONTH_MESSAGE) from error
        return value

    def validate_month(self, value: str) -> str:
        return self._month_value(value)

    def validate_month_from(self, value: str) -> str:
        return self._month_value(value)

    def validate_month_to(self, value: str) -> str:
        return self._month_value(value)

    def validate(self, attrs):
        if attrs.get("month_from") and attrs.get("month_to") and attrs["month_from"] > attrs["month_to"]:
            raise serializers.ValidationError({"month_to": _("The last month comes before the first.")})
        return attrs


_FILTER_NAMES = frozenset(IncidentFilterSerializer().fields)


def incident_filter_values(query_params) -> dict:
    """The list's validated filter parameters (400 with every problem at once). A request naming
    none of them (most: a page, or the next) has nothing to check, and builds no serializer."""
    if _FILTER_NAMES.isdisjoint(query_params):
        return {}
    filters = IncidentFilterSerializer(data=query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


def _month(value: str) -> dt.date:
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


def incident_filter(queryset: QuerySet[Incident], params: dict) -> QuerySet[Incident]:
    """Narrow `queryset` (already scoped by the rule) by validated parameters."""
    if "month" in params:
        queryset = queryset.filter(ret__month=_month(params["month"]))
    if "month_from" in params:
        queryset = queryset.filter(ret__month__gte=_month(params["month_from"]))
    if "month_to" in params:
        queryset = queryset.filter(ret__month__lte=_month(params["month_to"]))
    if "category" in params:
        queryset = queryset.with_code("categories", params["category"])
    if "mode" in params:
        queryset = queryset.with_code("modes", params["mode"])
    if "route_country" in params:
        country = params["route_country"]
        queryset = queryset.filter(
            Q(origin_country=country) | Q(destination_country=country) | Q(transits__country=country)
        ).distinct()
    if "origin_country" in params:
        queryset = queryset.filter(origin_country=params["origin_country"])
    if "destination_country" in params:
        queryset = queryset.filter(destination_country=params["destination_country"])
    if "transit_country" in params:
        queryset = queryset.filter(transits__country=params["transit_country"]).distinct()
    if "status" in params:
        queryset = queryset.filter(status=params["status"])
    if "participant" in params:
        queryset = queryset.filter(participant__code=params["participant"].upper())
    if params.get("q"):
        queryset = _search(queryset, params["q"])
    return queryset


def _search(queryset: QuerySet[Incident], text: str) -> QuerySet[Incident]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("narrative", "detection_place", "national_reference", config="simple")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    condition = Q()
    for word in text.split():
        condition &= (
            Q(narrative__icontains=word) | Q(detection_place__icontains=word) | Q(national_reference__icontains=word)
        )
    return queryset.filter(condition)


def _parameter(name: str, field: serializers.Field) -> OpenApiParameter:
    enum = query_enum(field.choices) if isinstance(field, serializers.ChoiceField) else None
    return OpenApiParameter(
        name=name,
        location=OpenApiParameter.QUERY,
        required=False,
        # A blank query value counts as not given (DRF's reading of query strings): no minLength.
        type={
            "type": "string",
            **({"maxLength": field.max_length} if getattr(field, "max_length", None) else {}),
            **({"pattern": MONTH_QUERY_PATTERN} if isinstance(field, serializers.RegexField) else {}),
        },
        enum=enum,
        description=str(field.help_text or ""),
    )


INCIDENT_FILTER_PARAMETERS = [_parameter(name, field) for name, field in IncidentFilterSerializer().fields.items()] + [
    PAGE_SIZE_PARAMETER
]
