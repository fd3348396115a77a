"""Imports through the API: send a CSV or XLSX file, get the batch; read it while it runs.

`POST /api/v1/imports/` (multipart, with an Idempotency-Key) stores the file, applies the column
mapping (the one remembered for the participant, the suggestions, and any `column_mapping` sent),
and queues the dry run. With `mode` set to `valid_only` or `all_or_nothing` the import follows the
dry run by itself; with `dry_run` (the default) it waits for `POST /api/v1/imports/<id>/import/`.
A file that cannot be read is refused with 400 and nothing is kept. The services do the work
(reporting/imports/services.py), as for the web pages.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from reporting.api.base import ApiView
from reporting.api.docs import (
    CURSOR_PARAMETER,
    INVALID,
    NOT_FOUND,
    PAGE_SIZE_PARAMETER,
    READ_ERRORS,
    WRITE_ERRORS,
    page_of,
)
from reporting.api.errors import PayloadTooLarge
from reporting.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from reporting.api.pagination import ApiCursorPagination
from reporting.api.parsers import JSONParser
from reporting.api.permissions import CanEnterRecords
from reporting.api.serializers import TextField
from reporting.imports import selectors, services
from reporting.imports.conventions import DECIMAL_CHOICES
from reporting.imports.messages import rendered
from reporting.models import ImportBatch

PROBLEM_ROWS = 1000
MODES = [("dry_run", "Check only (dry run)"), *ImportBatch.Mode.choices]

BATCH_EXAMPLE = {
    "id": 17,
    "url": "/api/v1/imports/17/",
    "file_name": "abf-export-2026-09.csv",
    "file_format": "csv",
    "status": "checked",
    "mode": "",
    "date_order": "dmy",
    "rows_total": 1250,
    "rows_checked": 1250,
    "rows_valid": 1237,
    "rows_unchanged": 0,
    "rows_failed": 13,
    "rows_imported": 0,
    "percent": 100,
    "error": "",
    "column_mapping": {"incidents": {"Case No": "national_reference", "Date detected": "detection_date"}},
    "code_mapping": {"methods": {"boat": "fishing_boat"}},
    "problems": [],
    "created_at": "2026-10-02T03:11:00Z",
    "finished_at": "2026-10-02T03:11:04Z",
}


class ImportBatchOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(
        help_text="What was found of the file as a whole (kind `info`: how it was read) and of rows no incident "
        "row holds; each message in the request's language."
    )

    class Meta:
        model = ImportBatch
        fields = (
            "id",
            "url",
            "file_name",
            "file_format",
            "status",
            "mode",
            "date_order",
            "rows_total",
            "rows_checked",
            "rows_valid",
            "rows_unchanged",
            "rows_failed",
            "rows_imported",
            "percent",
            "error",
            "column_mapping",
            "code_mapping",
            "problems",
            "created_at",
            "finished_at",
        )

    def get_url(self, batch: ImportBatch) -> str:
        return reverse("api:import-detail", args=[batch.pk])

    def get_percent(self, batch: ImportBatch) -> int:
        return selectors.batch_progress(batch)["percent"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_problems(self, batch: ImportBatch) -> list[dict]:
        return [rendered(p) for p in batch.problems]


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="row_number")
    national_reference = TextField()
    outcome = TextField()
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    errors = serializers.SerializerMethodField(
        help_text="Each problem: sheet, row, column, value, message (in the request's language)."
    )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_errors(self, row) -> list[dict]:
        return [rendered(p) for p in row.errors]


class ImportBatchDetailSerializer(ImportBatchOutputSerializer):
    rows_with_problems = serializers.SerializerMethodField(help_text=f"The first {PROBLEM_ROWS}, in file order.")

    class Meta(ImportBatchOutputSerializer.Meta):
        fields = (*ImportBatchOutputSerializer.Meta.fields, "rows_with_problems")

    def get_rows_with_problems(self, batch: ImportBatch) -> list[dict]:
        rows = selectors.batch_problem_rows(batch, limit=PROBLEM_ROWS)
        return ImportRowSerializer(rows, many=True).data


class ImportPagination(ApiCursorPagination):
    ordering = ("-created_at", "-id")


def _json_field(value, name: str) -> dict:
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        raise DjangoValidationError({name: [_("Send a JSON object.")]}) from None
    if not isinstance(parsed, dict):
        raise DjangoValidationError({name: [_("Send a JSON object.")]})
    return parsed


def _problems_of(service, **kwargs) -> dict:
    """A service's refusal as {field: [errors]}, or {} when it accepts."""
    try:
        service(**kwargs)
    except DjangoValidationError as error:
        return error.error_dict if hasattr(error, "error_dict") else {"__all__": error.error_list}
    return {}


class ImportListApi(ApiView):
    """List your participant's imports; upload a file (contributors and focal points)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanEnterRecords]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportUpload"

        file = serializers.FileField(
            help_text="A CSV file (any common encoding and delimiter), an .xlsx workbook, or a ZIP of the sheets' "
            "CSV files (incidents.csv, breakdowns.csv, documents.csv)."
        )
        mode = serializers.ChoiceField(
            choices=MODES,
            default="dry_run",
            help_text="`dry_run`: check only; `valid_only`: then import the valid rows; `all_or_nothing`: then "
            "import only if every row is valid.",
        )
        date_order = serializers.ChoiceField(
            choices=ImportBatch.DateOrder.values,
            required=False,
            help_text="How the file writes numeric dates: `dmy` (31/12/2025) or `mdy` (12/31/2025). Needed when "
            "every date could be read both ways (no day over 12) and your participant has not chosen before; "
            "otherwise found from the file.",
        )
        decimal = serializers.ChoiceField(
            choices=DECIMAL_CHOICES,
            required=False,
            help_text="How the file writes numbers: `.` (1,234.5) or `,` (1.234,5). Needed when every number "
            "could be read both ways (only values like 1.234 or 1,500) and your participant has not chosen "
            "before; otherwise found from the file.",
        )
        column_mapping = TextField(
            required=False, help_text='JSON: {"incidents": {"Their heading": "our_field"}}, over the suggestions.'
        )
        code_mapping = TextField(
            required=False, help_text='JSON: {"methods": {"BOAT": "fishing_boat"}}, remembered for next time.'
        )

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Import files may be up to IMPORT_MAX_BYTES, larger than other requests' limit.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > services.max_bytes() + 8 * 1024:
            raise PayloadTooLarge(
                _("The file is larger than %(limit)s MB. Split it into smaller files.")
                % {"limit": services.max_bytes() // (1024 * 1024)}
            )
        APIView.initial(self, request, *args, **kwargs)  # ApiView's own limit is for JSON bodies

    @extend_schema(
        operation_id="imports_list",
        tags=["imports"],
        summary="List your participant's imports",
        parameters=[CURSOR_PARAMETER, PAGE_SIZE_PARAMETER],
        responses={200: page_of("ImportPage", ImportBatchOutputSerializer), 400: INVALID, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        paginator = ImportPagination()
        page = paginator.paginate_queryset(selectors.batches_for(request.user), request, view=self)
        return paginator.get_paginated_response(ImportBatchOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="imports_create",
        tags=["imports"],
        summary="Upload a file: dry run, and optionally the import after it",
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"multipart/form-data": InputSerializer},
        responses={
            202: OpenApiResponse(ImportBatchOutputSerializer, description="Stored and queued; poll its `url`."),
            **WRITE_ERRORS,
        },
        examples=[OpenApiExample("queued", value={**BATCH_EXAMPLE, "status": "checking"}, response_only=True)],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        columns = _json_field(values.get("column_mapping"), "column_mapping")
        codes = _json_field(values.get("code_mapping"), "code_mapping")
        batch = None
        try:
            with transaction.atomic():
                batch = services.import_upload(user=request.user, uploaded=values["file"])
                mapping = {
                    sheet: {**suggested, **{h: f for h, f in columns.get(sheet, {}).items() if h in suggested}}
                    for sheet, suggested in batch.column_mapping.items()
                }
                asked = _problems_of(
                    services.import_conventions_require,
                    batch=batch,
                    decimal=values.get("decimal"),
                    date_order=values.get("date_order"),
                )
                mapped = _problems_of(
                    services.import_map_columns,
                    batch=batch,
                    user=request.user,
                    column_mapping=mapping,
                    date_order=values.get("date_order"),
                    decimal=values.get("decimal"),
                )
                if asked or mapped:
                    raise DjangoValidationError({**asked, **mapped})  # every problem at once
                if codes:
                    services.import_map_codes(batch=batch, user=request.user, code_mapping=codes)
                batch = services.import_check_start(
                    batch=batch, user=request.user, then=values["mode"] if values["mode"] != "dry_run" else ""
                )
        except DjangoValidationError:
            if batch is not None and batch.file:
                batch.file.delete(save=False)  # the row was rolled back: keep no file either
            raise
        return Response(ImportBatchOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(ApiView):
    @extend_schema(
        operation_id="imports_retrieve",
        tags=["imports"],
        summary="An import: status, progress, counts, and the rows with problems",
        responses={200: ImportBatchDetailSerializer, 404: NOT_FOUND, **READ_ERRORS},
        examples=[OpenApiExample("checked", value={**BATCH_EXAMPLE, "rows_with_problems": []}, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportBatchDetailSerializer(selectors.batch_get_for(request.user, pk)).data)


class ImportActionApi(ApiView):
    """After a dry run: `import` (with `mode`), `cancel` (import nothing), or `check` again."""

    ACTIONS = ("import", "cancel", "check")
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanEnterRecords]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportAction"

        mode = serializers.ChoiceField(choices=ImportBatch.Mode.values, required=False, help_text="For `import`.")

    @extend_schema(
        operation_id="imports_action",
        tags=["imports"],
        summary="Import a checked batch, import nothing, or check it again",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS))],
        request=InputSerializer,
        responses={200: ImportBatchOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        examples=[OpenApiExample("valid rows only", request_only=True, value={"mode": "valid_only"})],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        batch = selectors.batch_get_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if action == "import":
            batch = services.import_commit_start(
                batch=batch, user=request.user, mode=data.validated_data.get("mode", "")
            )
        elif action == "cancel":
            batch = services.import_cancel(batch=batch, user=request.user)
        else:
            batch = services.import_check_start(batch=batch, user=request.user)
        return Response(ImportBatchOutputSerializer(batch).data)
