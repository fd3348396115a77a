"""Dashboards, their exports and the drill-down to records: interfaces over analytics.selectors."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import Action, role_can
from accounts.services import export_audit
from analytics.forms import DashboardFilterForm, DrillForm
from analytics.selectors import dashboard_get, drill_incidents
from reporting.context.footnotes import footnote_rows, page_footnotes
from reporting.models import AccessEvent
from reporting.reciprocity import record_access
from reporting.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_text, xlsx_bytes
from reporting.views.records import records_export


class DashboardAccessMixin(LoginRequiredMixin):
    """Analysts, focal points and the secretariat read dashboards; contributors enter records."""

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated and not role_can(request.user.role, Action.READ_DASHBOARDS):
            raise PermissionDenied(_("Your role does not include the dashboards."))
        return super().dispatch(request, *args, **kwargs)


class DashboardView(DashboardAccessMixin, TemplateView):
    template_name = "analytics/dashboard.html"

    def get_context_data(self, **kwargs):
        form = DashboardFilterForm(self.request.GET or None)
        if self.request.GET:
            form.is_valid()
        filters = form.filters()
        dashboard = dashboard_get(user=self.request.user, filters=filters)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "dashboard": dashboard,
            "query": self.request.GET.urlencode(),
            # The rendered form and charts are cached (the form's country lists are the dearest part).
            "filters_key": (dashboard.choices_key, self.request.GET.urlencode(), self.request.LANGUAGE_CODE),
            # A callable: the template calls it only when the cached charts must be rendered again.
            "charts_json": lambda: charts_json(dashboard.charts),
        }


def charts_json(charts) -> list[dict]:
    """What static/js/dashboards.js draws from."""
    return [
        {
            "key": c.key,
            "kind": c.kind,
            "columns": [str(col) for col in c.columns],
            "rows": [
                {
                    "label": r.label,
                    "values": r.values,
                    "labels": r.labels,
                    "drill": r.drill,
                    "total": r.is_total,
                    "bounds": r.bounds,
                }
                for r in c.rows
            ],
            "extra": c.extra,
        }
        for c in charts
    ]


class ChartExportView(DashboardAccessMixin, View):
    """One chart's table as CSV or XLSX, under the same rule and disclosure control as the page."""

    def get(self, request: HttpRequest, key: str, fmt: str) -> HttpResponse:
        if fmt not in ("csv", "xlsx"):
            raise Http404(_("Exports are CSV or XLSX."))
        if not role_can(request.user.role, Action.EXPORT):
            raise PermissionDenied(_("Your role does not include exports."))
        form = DashboardFilterForm(request.GET or None)
        if request.GET:
            form.is_valid()
        dashboard = dashboard_get(user=request.user, filters=form.filters())
        chart = next((c for c in dashboard.charts if c.key == key), None)
        if chart is None:
            raise Http404(_("No such chart."))
        header = [str(_("Item")), *[str(c) for c in chart.columns]]
        lines = [[str(row.label), *[str(x) for x in row.labels]] for row in chart.rows]
        footer = [
            [str(_("Counts are detections, not people."))],
            [
                _("Participants drawn on: %(n)d; cells suppressed: %(s)d")
                % {"n": chart.participants, "s": chart.suppressed}
            ],
            [
                _("Data as of %(at)s")
                % {"at": dashboard.as_of.strftime("%Y-%m-%d %H:%M UTC") if dashboard.as_of else _("no facts built")}
            ],
            [_("Exported at %(at)s") % {"at": timezone.now().strftime("%Y-%m-%d %H:%M UTC")}],
            *footnote_rows(chart.footnotes),
        ]
        name = f"vrs-{chart.key}-{timezone.now():%Y%m%d}"
        # Through the one safe writer (reporting/spreadsheets.py): text that would start a formula
        # is written as text. In XLSX figures go in as numbers so they can be summed; withheld ones
        # keep their label ("<5", "hidden", "at least N").
        if fmt == "csv":
            response = HttpResponse(
                csv_text([[str(chart.title)], header, *lines, [], *footer]), content_type=CSV_CONTENT_TYPE
            )
        else:
            numbers = [
                [
                    str(row.label),
                    *[
                        v if v is not None and not (row.bounds and row.bounds[i]) else str(x)
                        for i, (v, x) in enumerate(zip(row.values, row.labels, strict=True))
                    ],
                ]
                for row in chart.rows
            ]
            response = HttpResponse(
                xlsx_bytes({chart.key: [[str(chart.title)], header, *numbers, [], *footer]}),
                content_type=XLSX_CONTENT_TYPE,
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        # Every export is in the secretariat's audit trail (issue #8): which chart, format, filters.
        export_audit(
            user=request.user,
            subject=f"Chart {chart.key}",
            fmt=fmt,
            rows=len(chart.rows),
            filters={k: v for k, v in request.GET.items() if v},
        )
        return response


class DrillDownView(DashboardAccessMixin, TemplateView):
    """The records behind a figure that the viewer may read one by one, with their narratives."""

    template_name = "analytics/records.html"

    def get_context_data(self, **kwargs):
        form = DashboardFilterForm(self.request.GET or None)
        if self.request.GET:
            form.is_valid()
        drill = DrillForm(self.request.GET)
        records = drill_incidents(user=self.request.user, filters=form.filters(), drill=drill.drill())
        page = Paginator(records, 25).get_page(self.request.GET.get("page"))
        with transaction.atomic():
            record_access(user=self.request.user, incidents=list(page.object_list), via=AccessEvent.Via.DASHBOARD)
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "drill": drill,
            "page": page,
            "footnotes": page_footnotes(records=page.object_list),
            "query": query.urlencode(),
        }


class DrillDownExportView(DashboardAccessMixin, View):
    """The drill-down list as CSV (streamed) or XLSX: the records the viewer may read one by one
    (`drill_incidents`, built on `visible_incidents`), logged in the access log like a read and in
    the audit trail like every export."""

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        form = DashboardFilterForm(request.GET or None)
        if request.GET:
            form.is_valid()
        drill = DrillForm(request.GET)
        records = drill_incidents(user=request.user, filters=form.filters(), drill=drill.drill())
        return records_export(request, records=records, fmt=fmt, subject="Drill-down records")
