"""Record list and record detail for every participant user: reads through the reciprocity rule."""

from __future__ import annotations

import itertools

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from accounts.codes import country_choices, country_name
from accounts.language import list_join
from accounts.models import Agency, Role
from accounts.roles import Action, role_can
from accounts.services import export_audit
from reporting import codes, reciprocity, selectors
from reporting.context.footnotes import export_footnote_rows, page_footnotes
from reporting.forms import PageSizeField
from reporting.linking.selectors import access_rows, incident_links
from reporting.models import AccessEvent, Incident
from reporting.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_lines, xlsx_bytes

PAGE_SIZE = 50
READER_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST, Role.SECRETARIAT)


class RolesRequiredMixin(LoginRequiredMixin):
    """Signed-in users with one of `roles`; anonymous visitors go to sign in, others get 403 (the
    page itself is forbidden to their role, whatever the records)."""

    roles: tuple[str, ...] = READER_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.role not in self.roles:
            raise PermissionDenied(_("Your role does not give access to this page."))
        return super().dispatch(request, *args, **kwargs)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month picker), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Give a month as year and month, e.g. 2025-03.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else None


def _arrow() -> str:
    """The arrow between the countries of a route, pointing the way the page reads (issue 10)."""
    return " ← " if get_language_bidi() else " → "


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("Any"))] + list(choices)


class IncidentFilterForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    month_from = MonthField(label=_("From month"), required=False)
    month_to = MonthField(label=_("To month"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(Incident.Status.choices))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_blank(codes.ConductCategory.choices))
    mode = forms.ChoiceField(label=_("Mode"), required=False, choices=_blank(codes.Mode.choices))
    country = forms.ChoiceField(label=_("Route country"), required=False)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Search the narrative"), required=False, max_length=200)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-detection_date", _("Newest detection first")),
            ("detection_date", _("Oldest detection first")),
            ("-migrants_total", _("Most migrants first")),
            ("migrants_total", _("Fewest migrants first")),
            ("participant", _("Owner, A to Z")),
            ("-participant", _("Owner, Z to A")),
            ("national_reference", _("National reference, A to Z")),
            ("-national_reference", _("National reference, Z to A")),
            ("status", _("Status, A to Z")),
            ("-status", _("Status, Z to A")),
        ],
    )
    per_page = PageSizeField(default=PAGE_SIZE)

    def __init__(self, *args, owners, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _blank((p.pk, p.local_name) for p in owners)
        self.fields["agency"].choices = _blank((a.pk, f"{a.name} ({a.participant.code})") for a in agencies)
        self.fields["country"].choices = _blank(country_choices())

    def clean(self):
        data = super().clean()
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The last month comes before the first one."))
        return data

    def filters(self) -> selectors.IncidentFilters:
        d = self.cleaned_data
        return selectors.IncidentFilters(
            owner_id=d.get("owner"),
            month_from=d.get("month_from"),
            month_to=d.get("month_to"),
            status=d.get("status") or "",
            category=d.get("category") or "",
            mode=d.get("mode") or "",
            country=d.get("country") or "",
            agency_id=d.get("agency"),
            q=d.get("q") or "",
            sort=d.get("sort") or "-detection_date",
        )


# The table's sortable columns: (sort key, heading, the direction a first click sorts in).
SORTABLE_COLUMNS = (
    ("participant", _("Owner"), ""),
    ("national_reference", _("Reference"), ""),
    ("detection_date", _("Detected"), "-"),
    ("migrants_total", _("Migrants"), "-"),
    ("status", _("Status"), ""),
)


def sortable_columns(*, query, current: str) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (the other way round if it is the current sort)
    and, for the current one, its aria-sort direction."""
    columns = {}
    for key, label, first in SORTABLE_COLUMNS:
        if current == key:
            target, state = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, state = key, "descending"
        else:
            target, state = f"{first}{key}", ""
        link = query.copy()
        link.pop("page", None)
        link["sort"] = target
        columns[key] = {"label": label, "href": f"?{link.urlencode()}", "state": state}
    return columns


class CappedCountPaginator(Paginator):
    """Counts the records up to `cap` only: past it the list says "more than 10,000" instead of the
    exact figure, whose COUNT over every record the rule lets an analyst read takes seconds at a
    million (the first page itself, through the list's index, takes milliseconds)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # Unordered: which records make up the first cap + 1 changes nothing to how many there are,
        # and PostgreSQL stops at the cap instead of sorting every readable record first.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap


class IncidentListView(RolesRequiredMixin, TemplateView):
    """Own records and the shared records of the participants the user may read, labelled by owner.
    Reading others' records is logged (AccessEvent) in the same transaction."""

    template_name = "reporting/incident_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        owners = selectors.incident_list_owners(user=user)
        agencies = Agency.objects.filter(participant__in=owners).select_related("participant")
        form = IncidentFilterForm(self.request.GET or None, owners=owners, agencies=agencies)
        usable = form.is_bound and form.is_valid()
        filters = form.filters() if usable else selectors.IncidentFilters()
        per_page = (form.cleaned_data.get("per_page") if usable else None) or PAGE_SIZE
        with transaction.atomic():
            paginator = CappedCountPaginator(selectors.incident_list(user=user, filters=filters), per_page)
            page = paginator.get_page(self.request.GET.get("page"))
            reciprocity.record_access(user=user, incidents=page.object_list, via=AccessEvent.Via.LIST)
        # Readable labels for the table, each code list translated once for the page, not once a row.
        categories, modes = _labels(codes.ConductCategory.choices), _labels(codes.Mode.choices)
        for incident in page.object_list:
            incident.category_labels = _codes_display(incident.categories, categories)
            incident.mode_labels = _codes_display(incident.modes, modes)
            incident.route = _arrow().join(
                country_name(c) or "?" for c in (incident.origin_country, incident.destination_country)
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            query=query.urlencode(),
            columns=sortable_columns(query=self.request.GET, current=filters.sort),
            standing=reciprocity.viewer_standing(user),
            own_participant_id=user.participant_id,
            can_export=role_can(user.role, Action.EXPORT),
            footnotes=page_footnotes(records=page.object_list),
        )
        return context


class IncidentListExportView(RolesRequiredMixin, View):
    """The record list, as filtered on its page, as CSV (streamed) or XLSX: the records the user may
    read under the rule, audited and logged like the list's reads."""

    def get(self, request, fmt: str):
        user = request.user
        owners = selectors.incident_list_owners(user=user)
        agencies = Agency.objects.filter(participant__in=owners).select_related("participant")
        form = IncidentFilterForm(request.GET or None, owners=owners, agencies=agencies)
        filters = form.filters() if form.is_bound and form.is_valid() else selectors.IncidentFilters()
        return records_export(
            request,
            records=selectors.incident_list(user=user, filters=filters),
            fmt=fmt,
            subject="Record list",
        )


def records_export(request, *, records, fmt: str, subject: str) -> HttpResponse:
    """A list of records (`records`: already under the rule) as a CSV or XLSX download through the one
    safe spreadsheet writer. Each other owner whose records go out is logged as read (AccessEvent,
    counted from the ids alone) and the export is in the audit trail, in one transaction."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Exports are CSV or XLSX."))
    if not role_can(request.user.role, Action.EXPORT):
        raise PermissionDenied(_("Your role does not include exports."))
    with transaction.atomic():
        logged = reciprocity.record_access(
            user=request.user,
            incidents=records.values("id", "participant_id").iterator(chunk_size=5000),
            via=AccessEvent.Via.EXPORT,
        )
        export_audit(
            user=request.user,
            subject=subject,
            fmt=fmt,
            rows=records.count(),
            filters={k: v for k, v in request.GET.items() if v} | {"owners_logged": logged},
        )
    header, body = selectors.incident_export_rows(records=records)
    name = f"vrs-records-{timezone.now():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(itertools.chain([header], body(), export_footnote_rows(records=records))),
            content_type=CSV_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            xlsx_bytes({_("Records"): itertools.chain([header], body(), export_footnote_rows(records=records))}),
            content_type=XLSX_CONTENT_TYPE,
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _labels(choices) -> dict[str, str]:
    """A code list's labels, translated into the active language."""
    return {value: str(label) for value, label in choices}


def _codes_display(values, choices) -> str:
    labels = dict(choices)
    return list_join(labels.get(v, v) for v in values or [])


def incident_sections(incident: Incident) -> list[tuple[str, list[tuple[str, object]]]]:
    """The record's fields in the record page's groups, as (label, readable value)."""

    def label(name: str) -> str:
        return capfirst(str(Incident._meta.get_field(name).verbose_name))  # keeps "USD" upper case

    def disp(name: str):
        return getattr(incident, f"get_{name}_display")() or "—"

    coords = f"{incident.latitude}, {incident.longitude}" if incident.latitude is not None else "—"
    fee = "—"
    if incident.fee_per_person is not None:
        fee = f"{number_format(incident.fee_per_person, force_grouping=True)} {incident.fee_currency}"  # 1 500,00
    transits = _arrow().join(country_name(t.country) for t in incident.transits.all()) or "—"
    return [
        (
            _("What"),
            [
                (label("categories"), _codes_display(incident.categories, codes.ConductCategory.choices)),
                (label("protocol_benefit"), disp("protocol_benefit")),
                (label("national_reference"), incident.national_reference),
                (label("agency"), incident.agency.name if incident.agency else "—"),
                (label("source"), disp("source")),
                (label("confidence"), disp("confidence")),
            ],
        ),
        (
            _("When and where"),
            [
                (label("detection_date"), incident.detection_date),
                (label("detection_country"), country_name(incident.detection_country)),
                (label("detection_place"), incident.detection_place or "—"),
                (_("Coordinates"), coords),
                (label("border_crossing_point"), incident.border_crossing_point or "—"),
                (label("detection_context"), disp("detection_context")),
            ],
        ),
        (
            _("How"),
            [
                (label("modes"), _codes_display(incident.modes, codes.Mode.choices) or "—"),
                (label("methods"), _codes_display(incident.methods, codes.Method.choices) or "—"),
            ],
        ),
        (
            _("Route"),
            [
                (label("origin_country"), country_name(incident.origin_country) or "—"),
                (_("Transit countries"), transits),
                (label("destination_country"), country_name(incident.destination_country) or "—"),
            ],
        ),
        (
            _("People"),
            [
                (label("migrants_total"), incident.migrants_total),
                (label("smugglers_total"), incident.smugglers_total),
                (label("smuggler_roles"), _codes_display(incident.smuggler_roles, codes.SmugglerRole.choices) or "—"),
            ],
        ),
        (
            _("Money"),
            [
                (label("fee_per_person"), fee),
                (label("fee_usd"), incident.fee_usd if incident.fee_usd is not None else "—"),
                (label("fee_scope"), disp("fee_scope")),
                (label("payment_modality"), disp("payment_modality")),
            ],
        ),
        (
            _("Harm"),
            [
                (label("dead"), incident.dead),
                (label("missing"), incident.missing),
                (label("injured"), incident.injured),
                (label("rescued"), incident.rescued),
                (label("cause_of_death"), disp("cause_of_death")),
                (label("abuses"), _codes_display(incident.abuses, codes.Abuse.choices) or "—"),
            ],
        ),
    ]


class IncidentDetailView(RolesRequiredMixin, TemplateView):
    """One record through `incident_get_for`: a record outside the rule answers 404 like a missing one."""

    template_name = "reporting/incident_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        with transaction.atomic():
            incident = selectors.incident_detail(user=user, pk=kwargs["pk"])
            linked = incident_links(user=user, incident=incident)
            reciprocity.record_access(user=user, incidents=[incident, *access_rows(linked)], via=AccessEvent.Via.DETAIL)
        own = incident.participant_id == user.participant_id
        context.update(
            incident=incident,
            own=own,
            sections=incident_sections(incident),
            breakdowns=[
                (
                    b.get_group_display(),
                    country_name(b.citizenship) or _("Unknown"),
                    b.get_sex_display(),
                    b.get_age_group_display(),
                    b.count,
                    b.unaccompanied,
                )
                for b in incident.breakdowns.all()
            ],
            documents=[
                (
                    d.get_document_type_display(),
                    d.get_fraud_type_display(),
                    country_name(d.issuing_country) or "—",
                    d.count,
                )
                for d in incident.documents.all()
            ],
            # The change history names the owner's own officials: shown to the owner's users only.
            history=selectors.incident_history(incident=incident) if own else None,
            arrow=_arrow().strip(),  # old → new, pointing the way the page reads
            linked=linked,
        )
        return context
