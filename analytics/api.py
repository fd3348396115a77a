"""Aggregates over the API: the dashboards' series, under the same rule and disclosure control.

Interfaces only: the figures come from `analytics.selectors.dashboard_get` / `chart_get` (fact
tables summed within `reporting.reciprocity.aggregate_scope`, then `analytics.disclosure.protect`),
exactly as the dashboard page and its exports get them; nothing is recomputed here. The routes join
the API's namespace in config/urls.py (reporting must not import analytics).
"""

import datetime as dt

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Participant
from accounts.roles import Action, role_can
from analytics.charts import Chart
from analytics.facts import DashboardFilters, default_filters
from analytics.selectors import Dashboard, chart_get, dashboard_get
from reporting import codes
from reporting.api.base import ApiView
from reporting.api.docs import CODE_PARAMETER_TYPE, INVALID, NOT_FOUND, READ_ERRORS, query_enum
from reporting.api.serializers import COUNTRY_CHOICES, MONTH_QUERY_PATTERN, MonthField, TextField
from reporting.reciprocity import month_add

# The dashboard's charts, by key (tests/api/test_aggregates.py checks this against dashboard_get).
AGGREGATE_KEYS = (
    "headline",
    "coverage",
    "series",
    "published",
    "modes",
    "contexts",
    "people-migrant",
    "people-smuggler",
    "routes",
    "map",
    "fees",
    "documents",
    "roles",
    "harm",
    "abuse-routes",
    "abuses",
)
MAX_MONTHS = 120


class CanReadDashboards(BasePermission):
    message = _("Your role does not include the dashboards.")

    def has_permission(self, request: Request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not have answers 405, whoever asks
        return role_can(request.user.role, Action.READ_DASHBOARDS)


class AggregateFilterSerializer(serializers.Serializer):
    month_from = MonthField(
        required=False,
        help_text="First month (YYYY-MM), inclusive; default: 24 months before the last closed month.",
    )
    month_to = MonthField(
        required=False,
        help_text="Last month (YYYY-MM), inclusive; default: the last closed month.",
    )
    participant = serializers.ListField(
        child=TextField(max_length=10),
        required=False,
        max_length=100,
        help_text="Participant codes (repeat the parameter for several).",
    )
    category = serializers.ChoiceField(choices=codes.ConductCategory.choices, required=False)
    mode = serializers.ChoiceField(choices=codes.Mode.choices, required=False)
    origin = serializers.ChoiceField(choices=COUNTRY_CHOICES, required=False, help_text="Route origin (alpha-3).")
    destination = serializers.ChoiceField(
        choices=COUNTRY_CHOICES, required=False, help_text="Intended destination (alpha-3)."
    )

    @staticmethod
    def _month(value: str) -> dt.date:
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)

    def validate_month_from(self, value: str) -> dt.date:
        return self._month(value)

    def validate_month_to(self, value: str) -> dt.date:
        return self._month(value)

    def validate_participant(self, value: list[str]) -> frozenset[int]:
        wanted = {code.strip().upper() for code in value}
        found = dict(Participant.objects.filter(code__in=wanted).values_list("code", "pk"))
        unknown = sorted(wanted - set(found))
        if unknown:
            raise serializers.ValidationError(
                _("No participant has the code %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return frozenset(found.values())

    def validate(self, attrs: dict) -> dict:
        default = default_filters()
        start, end = attrs.get("month_from", default.month_from), attrs.get("month_to", default.month_to)
        # A bound left out follows the one given: at most ten years from it, never before it.
        if "month_from" in attrs and "month_to" not in attrs:
            end = min(max(end, start), month_add(start, MAX_MONTHS - 1))
        if "month_to" in attrs and "month_from" not in attrs:
            start = max(min(start, end), month_add(end, -(MAX_MONTHS - 1)))
        errors = {}
        if start > end:
            errors["month_to"] = [_("The last month comes before the first.")]
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            errors["month_from"] = [_("Choose a period of at most ten years.")]
        if errors:
            raise ValidationError(errors)
        attrs["month_from"], attrs["month_to"] = start, end
        return attrs

    def filters(self) -> DashboardFilters:
        data = self.validated_data
        return DashboardFilters(
            month_from=data["month_from"],
            month_to=data["month_to"],
            participant_ids=data.get("participant", frozenset()),
            category=data.get("category", ""),
            mode=data.get("mode", ""),
            origin=data.get("origin", ""),
            destination=data.get("destination", ""),
        )


@extend_schema_field({"type": "number", "nullable": True})
class FigureField(serializers.Field):
    """A figure as a number (integer or decimal), or null when disclosure control hides it."""

    def to_representation(self, value):
        return value


class AggregateRowSerializer(serializers.Serializer):
    label = TextField(help_text="The row: a month, a code's label, a route, …")
    values = serializers.ListField(
        child=FigureField(allow_null=True),
        help_text="One figure per column; null where withheld with nothing you can read (or not a figure); "
        "a lower bound where `bounds` says so.",
    )
    labels = serializers.ListField(
        child=TextField(), help_text="The figures as printed: “<5” or “hidden” where suppressed."
    )
    is_total = serializers.BooleanField()
    bounds = serializers.ListField(
        child=serializers.BooleanField(),
        help_text="Per figure: true where it is a lower bound (the part you can read of a figure "
        "whose remainder disclosure control withholds, printed “at least N”).",
    )


class FootnoteSerializer(serializers.Serializer):
    participant = TextField(source="code", help_text="The participant's code.")
    kind = TextField(help_text="`note` (a note on a period) or `profile` (the national profile).")
    period = TextField(help_text="The months the note is about, or the profile's dates.")
    text = TextField()
    language = TextField(help_text="The language the text is written in.")


class AggregateSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[(k, k) for k in AGGREGATE_KEYS])
    title = TextField()
    kind = TextField(
        help_text="How the dashboard draws it: headline, line, bar, stack, heat, sankey, map, boxish, coverage."
    )
    columns = serializers.ListField(child=TextField())
    rows = AggregateRowSerializer(many=True)
    participants = serializers.IntegerField(help_text="How many participants the figures draw on.")
    suppressed = serializers.IntegerField(help_text="How many cells disclosure control suppressed.")
    note = TextField(allow_blank=True)
    extra = serializers.DictField(help_text="Chart-specific data (change rates, nodes and links, map values).")
    footnotes = FootnoteSerializer(
        many=True,
        help_text="National context (docs/context.md): the notes and profiles of the participants whose "
        "data the figures hold, for those months.",
    )


class AggregateFiltersOutputSerializer(serializers.Serializer):
    month_from = serializers.SerializerMethodField()
    month_to = serializers.SerializerMethodField()
    participant = serializers.ListField(child=TextField())
    category = TextField(allow_blank=True)
    mode = TextField(allow_blank=True)
    origin = TextField(allow_blank=True)
    destination = TextField(allow_blank=True)

    def get_month_from(self, filters) -> str:
        return f"{filters['month_from']:%Y-%m}"

    def get_month_to(self, filters) -> str:
        return f"{filters['month_to']:%Y-%m}"


class DashboardOutputSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(
        choices=["contributor", "non_contributor", "secretariat", "none"],
        help_text="Your tier under the reciprocity rule: what the figures may draw on.",
    )
    disclosure_control = serializers.BooleanField()
    min_cell = serializers.IntegerField()
    min_contributors = serializers.IntegerField()
    policy_version = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the newest figures were built.")
    pending = serializers.IntegerField(help_text="Returns changed whose figures are still being rebuilt.")
    filters = AggregateFiltersOutputSerializer()
    aggregates = AggregateSerializer(many=True)


def _chart(chart: Chart) -> dict:
    return {
        "key": chart.key,
        "title": str(chart.title),
        "kind": chart.kind,
        "columns": [str(c) for c in chart.columns],
        "rows": [
            {
                "label": str(r.label),
                "values": r.values,
                "labels": [str(x) for x in r.labels],
                "is_total": r.is_total,
                "bounds": r.bounds or [False] * len(r.values),
            }
            for r in chart.rows
        ],
        "participants": chart.participants,
        "suppressed": chart.suppressed,
        "note": str(chart.note or ""),
        "extra": chart.extra,
        "footnotes": list(chart.footnotes),  # Footnote objects: AggregateSerializer reads them
    }


def _filters(filters: DashboardFilters) -> dict:
    codes_by_id = dict(Participant.objects.filter(pk__in=filters.participant_ids).values_list("pk", "code"))
    return {
        "month_from": filters.month_from,
        "month_to": filters.month_to,
        "participant": sorted(codes_by_id.values()),
        "category": filters.category,
        "mode": filters.mode,
        "origin": filters.origin,
        "destination": filters.destination,
    }


def _dashboard(dashboard: Dashboard) -> dict:
    scope = dashboard.scope
    return {
        "tier": str(scope.tier),
        "disclosure_control": scope.disclosure_control,
        "min_cell": scope.min_cell,
        "min_contributors": scope.min_contributors,
        "policy_version": scope.policy_version,
        "as_of": dashboard.as_of,
        "pending": dashboard.pending,
        "filters": _filters(dashboard.filters),
        "aggregates": [_chart(c) for c in dashboard.charts],
    }


FILTER_PARAMETERS = [
    OpenApiParameter("month_from", str, OpenApiParameter.QUERY, pattern=MONTH_QUERY_PATTERN, description="YYYY-MM"),
    OpenApiParameter("month_to", str, OpenApiParameter.QUERY, pattern=MONTH_QUERY_PATTERN, description="YYYY-MM"),
    OpenApiParameter(
        "participant",
        {"type": "array", "items": CODE_PARAMETER_TYPE},
        OpenApiParameter.QUERY,
        explode=True,
        description="Participant codes (repeat the parameter).",
    ),
    OpenApiParameter(
        "category",
        str,
        OpenApiParameter.QUERY,
        enum=query_enum(codes.ConductCategory.values),
        description="A conduct category.",
    ),
    OpenApiParameter("mode", str, OpenApiParameter.QUERY, enum=query_enum(codes.Mode.values), description="A mode."),
    OpenApiParameter(
        "origin",
        str,
        OpenApiParameter.QUERY,
        enum=query_enum(c for c, _n in COUNTRY_CHOICES),
        description="Route origin.",
    ),
    OpenApiParameter(
        "destination",
        str,
        OpenApiParameter.QUERY,
        enum=query_enum(c for c, _n in COUNTRY_CHOICES),
        description="Intended destination.",
    ),
]
SERIES_EXAMPLE = {
    "key": "series",
    "title": "Detections per month by conduct category",
    "kind": "line",
    "columns": ["Irregular entry", "Migrant smuggling"],
    "rows": [
        {"label": "2026-08", "values": [212, None], "labels": ["212", "<5"], "is_total": False},
        {"label": "2026-09", "values": [198, 17], "labels": ["198", "17"], "is_total": False},
        {"label": "Total", "values": [410, None], "labels": ["410", "hidden"], "is_total": True},
    ],
    "participants": 14,
    "suppressed": 2,
    "note": "A record with several categories counts once in each; categories are not added up.",
    "extra": {"codes": ["irregular_entry", "migrant_smuggling"], "change": []},
}


def _read_filters(request: Request) -> DashboardFilters:
    data = AggregateFilterSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.filters()


class AggregateListApi(ApiView):
    """Every series of the regional dashboard for these filters, as the dashboard page shows it."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanReadDashboards]

    @extend_schema(
        operation_id="aggregates_list",
        tags=["aggregates"],
        summary="The dashboard's aggregates, under disclosure control",
        description=(
            "Figures count detections, not people. Others' data enters only as the reciprocity rule "
            "allows; cells that would reveal data you cannot read record by record are suppressed "
            "(value null, label “<5” or “hidden”), and every aggregate says how many participants it "
            "draws on and how many cells were suppressed. Analysts, focal points and the secretariat."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: DashboardOutputSerializer, 400: INVALID, **READ_ERRORS},
        examples=[
            OpenApiExample(
                "a contributing analyst",
                response_only=True,
                value={
                    "tier": "contributor",
                    "disclosure_control": True,
                    "min_cell": 5,
                    "min_contributors": 3,
                    "policy_version": 1,
                    "as_of": "2026-10-03T05:13:00Z",
                    "pending": 0,
                    "filters": {
                        "month_from": "2024-10",
                        "month_to": "2026-09",
                        "participant": [],
                        "category": "",
                        "mode": "",
                        "origin": "",
                        "destination": "",
                    },
                    "aggregates": [SERIES_EXAMPLE],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        dashboard = dashboard_get(user=request.user, filters=_read_filters(request))
        return Response(DashboardOutputSerializer(_dashboard(dashboard)).data)


class AggregateDetailApi(ApiView):
    """One series of the dashboard (as its CSV/XLSX export gives it)."""

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanReadDashboards]

    @extend_schema(
        operation_id="aggregates_retrieve",
        tags=["aggregates"],
        summary="One aggregate of the dashboard, under disclosure control",
        parameters=[
            OpenApiParameter(
                "key", str, OpenApiParameter.PATH, enum=list(AGGREGATE_KEYS), description="The dashboard's chart."
            ),
            *FILTER_PARAMETERS,
        ],
        responses={
            200: OpenApiResponse(AggregateSerializer),
            400: INVALID,
            404: NOT_FOUND,
            **READ_ERRORS,
        },
        examples=[OpenApiExample("time series", value=SERIES_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, key: str) -> Response:
        if key not in AGGREGATE_KEYS:
            raise NotFound(_("Not found."))
        chart = chart_get(user=request.user, filters=_read_filters(request), key=key)
        if chart is None:
            raise NotFound(_("Not found."))
        return Response(AggregateSerializer(_chart(chart)).data)


# Mounted by config/urls.py inside the API's namespace ("api"), before reporting's routes.
urlpatterns = [
    path("aggregates/", AggregateListApi.as_view(), name="aggregate-list"),
    path("aggregates/<str:key>/", AggregateDetailApi.as_view(), name="aggregate-detail"),
]
