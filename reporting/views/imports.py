"""Import pages: upload, map columns, map codes, dry run with its report, import, and the result.

Thin views: each translates the request, calls one service or selector of reporting/imports/, and
renders or redirects. Only the participant's contributors and focal point use them (403 for other
roles); another participant's batch answers 404, like anything else the user may not read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from reporting.imports import selectors, services, template
from reporting.imports.columns import COLUMNS, INCIDENTS, SHEET_TITLES, SHEETS
from reporting.imports.conventions import DECIMAL_CHOICES
from reporting.imports.mapping import code_choices
from reporting.imports.messages import render as render_message
from reporting.imports.messages import render_error, rendered
from reporting.imports.template import describe
from reporting.models import ImportBatch
from reporting.views.records import RolesRequiredMixin

ENTRY_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > services.max_bytes() + 8 * 1024  # multipart framing
    except ValueError:
        return False


class ImportListView(RolesRequiredMixin, View):
    """The participant's imports and the upload form. A file over the limit is refused before its
    body is read."""

    roles = ENTRY_ROLES
    template_name = "reporting/imports/list.html"

    def _render(self, request, *, status=200, problems=None):
        context = {
            "batches": selectors.batches_for(request.user)[:50],
            "problems": problems or [],
            "max_mb": services.max_bytes() // (1024 * 1024),
            "date_orders": ImportBatch.DateOrder.choices,
            "sheets": [(s, SHEET_TITLES[s]) for s in SHEETS],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if _too_large(request):
            return self._render(
                request,
                status=413,
                problems=[
                    _("The file is larger than %(limit)s MB. Split it into smaller files.")
                    % {"limit": services.max_bytes() // (1024 * 1024)}
                ],
            )
        uploaded = request.FILES.get("file")
        if uploaded is None:
            return self._render(request, status=400, problems=[_("Choose a CSV file or an Excel workbook to upload.")])
        try:
            batch = services.import_upload(user=request.user, uploaded=uploaded)
        except ValidationError as error:
            return self._render(request, status=400, problems=_messages_of(error))
        messages.success(
            request,
            _("“%(name)s” uploaded: %(n)s rows. Now say which of your columns holds what.")
            % {"name": batch.file_name, "n": batch.rows_total},
        )
        return HttpResponseRedirect(reverse("reporting:import-detail", args=[batch.pk]))


class ImportTemplateView(RolesRequiredMixin, View):
    """The template for the user's participant: XLSX (all sheets, dropdowns, notes), one sheet as CSV,
    or the three sheets as CSV files in a ZIP (which is how they are uploaded together)."""

    roles = ENTRY_ROLES

    def get(self, request):
        participant = request.user.participant
        if request.GET.get("format") == "zip":
            response = HttpResponse(template.template_csv_zip(), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="vrs-{participant.code}-import-template-csv.zip"'
            return response
        if request.GET.get("format") == "csv":
            sheet = request.GET.get("sheet") if request.GET.get("sheet") in SHEETS else SHEETS[0]
            response = HttpResponse(template.template_csv(sheet), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="vrs-{participant.code}-{sheet}.csv"'
            return response
        response = HttpResponse(template.template_workbook(participant), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="vrs-{participant.code}-import-template.xlsx"'
        return response


class ImportDetailView(RolesRequiredMixin, View):
    """One import: the step it is at (column mapping, progress, dry-run report, result)."""

    roles = ENTRY_ROLES
    template_name = "reporting/imports/detail.html"

    def get(self, request, pk, problems=None, status=200):
        batch = selectors.batch_get_for(request.user, pk)
        context = {"batch": batch, "progress": selectors.batch_progress(batch), "problems": problems or []}
        mapping_step = batch.status == ImportBatch.Status.MAPPING or (
            batch.status == ImportBatch.Status.CHECKED and request.GET.get("step") == "mapping"
        )
        if mapping_step:
            samples = selectors.batch_samples(batch)
            context["sheets"] = [
                {
                    "key": sheet,
                    "title": SHEET_TITLES[sheet],
                    "fields": selectors.field_choices(sheet),
                    "columns": [
                        {
                            "index": index,
                            "header": header,
                            "field": batch.column_mapping.get(sheet, {}).get(header, ""),
                            "samples": [row[index] for row in samples.get(sheet, []) if index < len(row)],
                        }
                        for index, header in enumerate(headers)
                    ],
                    "required": [str(c.label) for c in COLUMNS[sheet] if c.required],
                    "header_row": (batch.conventions or {}).get("header_rows", {}).get(sheet, ""),
                    "sheet_title": (batch.conventions or {}).get("sheets", {}).get(sheet, ""),
                }
                for sheet, headers in batch.headers.items()
            ]
            context["date_orders"] = ImportBatch.DateOrder.choices
            context["fixable"] = selectors.fixable_fields(batch)
            context["conventions"] = batch.conventions or {}
            context["decimal_choices"] = DECIMAL_CHOICES
            context["all_sheets"] = (batch.conventions or {}).get("all_sheets", [])
        if batch.status in (
            ImportBatch.Status.CHECKED,
            ImportBatch.Status.DONE,
            ImportBatch.Status.CANCELLED,
            ImportBatch.Status.IMPORTING,
        ):
            rows = selectors.batch_problem_rows(batch)
            context["problem_rows"] = [
                {"row": r, "problems": [dict(rendered(p), text=describe(p)) for p in r.errors]} for r in rows
            ]
            context["file_problems"] = [dict(rendered(p), text=describe(p)) for p in batch.problems if "row" in p]
        context["infos"] = [render_message(p) for p in batch.problems if p.get("kind") == "info"]
        context["error"] = render_error(batch.error)
        return render(request, self.template_name, context, status=status)


class ImportColumnsView(RolesRequiredMixin, View):
    """Keep the column mapping, then go on to the codes."""

    roles = ENTRY_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = selectors.batch_get_for(request.user, pk)
        if "read_again" in request.POST:  # the headings' row or the sheet chosen: read the file again
            try:
                services.import_read_again(
                    batch=batch,
                    user=request.user,
                    header_rows={sheet: request.POST.get(f"header-row-{sheet}", "") for sheet in SHEETS},
                    sheets={sheet: request.POST.get(f"sheet-{sheet}", "") for sheet in SHEETS},
                )
            except ValidationError as error:
                batch.refresh_from_db()
                view = ImportDetailView()
                view.request = request
                return view.get(request, pk, problems=_messages_of(error), status=400)
            return HttpResponseRedirect(reverse("reporting:import-detail", args=[batch.pk]))
        mapping = {
            sheet: {header: request.POST.get(f"{sheet}-{i}", "") for i, header in enumerate(headers)}
            for sheet, headers in batch.headers.items()
        }
        fixed = {
            name: "; ".join(v for v in request.POST.getlist(f"fixed-{name}") if v)
            for name in selectors.FIXABLE
            if f"fixed-{name}" in request.POST
        }
        try:
            services.import_map_columns(
                batch=batch,
                user=request.user,
                column_mapping=mapping,
                date_order=request.POST.get("date_order", batch.date_order),
                fixed_values={INCIDENTS: fixed},
                decimal=request.POST.get("decimal", ""),
            )
        except ValidationError as error:
            batch.column_mapping = mapping
            batch.fixed_values = {INCIDENTS: fixed}
            view = ImportDetailView()
            view.request = request
            return view.get(request, pk, problems=_messages_of(error), status=400)
        return HttpResponseRedirect(reverse("reporting:import-codes", args=[batch.pk]))


class ImportCodesView(RolesRequiredMixin, View):
    """Their values that match none of our codes, each with a choice of our codes; saving starts the dry run."""

    roles = ENTRY_ROLES
    template_name = "reporting/imports/codes.html"

    def get(self, request, pk, problems=None, status=200):
        batch = selectors.batch_get_for(request.user, pk)
        if batch.status not in (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED):
            return HttpResponseRedirect(reverse("reporting:import-detail", args=[batch.pk]))
        unresolved = services.import_unresolved(batch=batch)
        lists = []
        for code_list, values in sorted(unresolved.items()):
            choices = code_choices(batch.participant, code_list)
            lists.append(
                {
                    "key": code_list,
                    "title": _code_list_title(code_list),
                    "choices": choices,
                    "values": [
                        {"raw": raw, "rows": rows, "field": f"code::{code_list}::{raw}"} for raw, rows in values.items()
                    ],
                }
            )
        context = {"batch": batch, "lists": lists, "problems": problems or []}
        return render(request, self.template_name, context, status=status)

    def post(self, request, pk):
        batch = selectors.batch_get_for(request.user, pk)
        chosen: dict[str, dict[str, str]] = {}
        for key, value in request.POST.items():
            if key.startswith("code::") and value:
                _prefix, code_list, raw = key.split("::", 2)
                chosen.setdefault(code_list, {})[raw] = value
        try:
            services.import_map_codes(batch=batch, user=request.user, code_mapping=chosen)
            services.import_check_start(batch=batch, user=request.user)
        except ValidationError as error:
            return self.get(request, pk, problems=_messages_of(error), status=400)
        return HttpResponseRedirect(reverse("reporting:import-detail", args=[batch.pk]))


def _code_list_title(code_list: str) -> str:
    labels = {
        "country": _("Countries"),
        "currency": _("Currencies"),
        "agency": _("Agencies"),
        "border_crossing_point": _("Border crossing points"),
        "person_group": _("Group (migrants or smugglers)"),
    }
    if code_list in labels:
        return labels[code_list]
    for sheet in SHEETS:
        for column in COLUMNS[sheet]:
            if column.code_list == code_list:
                return str(column.label)
    return code_list


class ImportActionView(RolesRequiredMixin, View):
    """Check (dry run), import (valid rows only, or all or nothing), or import nothing."""

    roles = ENTRY_ROLES
    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        batch = selectors.batch_get_for(request.user, pk)
        try:
            if self.action == "check":
                services.import_check_start(batch=batch, user=request.user)
                done = _("Checking every row…")
            elif self.action == "import":
                mode = request.POST.get("mode", "")
                services.import_commit_start(batch=batch, user=request.user, mode=mode)
                done = _("Importing…")
            else:
                services.import_cancel(batch=batch, user=request.user)
                done = _(
                    "Nothing was imported. Fix the rows in your file (the report lists them), then upload it again."
                )
        except ValidationError as error:
            messages.error(request, " ".join(_messages_of(error)))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("reporting:import-detail", args=[batch.pk]))


class ImportProgressView(RolesRequiredMixin, View):
    """The batch's progress as JSON, polled by the page while it is checking or importing."""

    roles = ENTRY_ROLES

    def get(self, request, pk):
        batch = selectors.batch_get_for(request.user, pk)
        return JsonResponse(selectors.batch_progress(batch))


class ImportReportView(RolesRequiredMixin, View):
    """The uploaded file with each row's outcome and problems beside it: XLSX, or CSV (incidents)."""

    roles = ENTRY_ROLES

    def get(self, request, pk, fmt):
        batch = selectors.batch_get_for(request.user, pk)
        if not batch.file:
            # The file, which the report is rebuilt from, is past its retention: say so (410 Gone).
            context = {"batch": batch, "days": services.retention_days()}
            return render(request, "reporting/imports/expired.html", context, status=410)
        stem = f"vrs-import-{batch.pk}-report"
        if fmt == "csv":
            response = HttpResponse(template.report_csv(batch), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
            return response
        response = HttpResponse(template.report_workbook(batch), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
