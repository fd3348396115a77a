"""Data entry: the incident form (new, edit, correct) and the record's workflow actions.

Views translate input, call one service, and translate the result or its errors back. Records are
found through the reciprocity rule (a record the user may not read answers 404); a readable record
the user may not change answers 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from reporting import codes, confirmations
from reporting.entry_selectors import exchange_rates_by_month
from reporting.forms import (
    BreakdownFormSet,
    DocumentFormSet,
    IncidentForm,
    SharingForm,
    TransitFormSet,
    country_datalist,
)
from reporting.models import Incident
from reporting.reciprocity import incident_get_for
from reporting.screening import highlight
from reporting.services import incidents as services
from reporting.services import redaction
from reporting.views.records import READER_ROLES, RolesRequiredMixin

ENTRY_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT)
ROW_SECTIONS = ("transits", "breakdowns", "documents")


def _own_record(request, pk: int) -> Incident:
    """The record to change: 404 when the user may not read it (whatever their role: forbidden looks
    like missing), 403 when they may read it but not change it."""
    incident = incident_get_for(request.user, pk)
    if request.user.role not in ENTRY_ROLES or incident.participant_id != request.user.participant_id:
        raise PermissionDenied(_("Only the owner's contributors and focal point change a record."))
    return incident


def _require_entry_role(request) -> None:
    if request.user.role not in ENTRY_ROLES:
        raise PermissionDenied(_("Only contributors and focal points enter records."))


def _month_from_query(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").replace(tzinfo=dt.UTC).date()
    except ValueError:
        return None


class IncidentFormView(RolesRequiredMixin, View):
    """New record, edit of a draft or returned record, or the focal point's correction of a
    validated one. Save as draft any time; "Save and submit" saves and submits in one transaction,
    so a refused submission saves nothing and the page keeps everything typed."""

    # Every role passes the door; the record (404/403) or the entry role (403) decides next.
    roles = READER_ROLES
    template_name = "reporting/incident_form.html"

    def get_incident(self) -> Incident | None:
        pk = self.kwargs.get("pk")
        if pk:
            return _own_record(self.request, pk)
        _require_entry_role(self.request)
        return None

    def _forms(self, incident: Incident | None, data=None):
        participant = self.request.user.participant
        initial = {}
        if incident is None:
            month = _month_from_query(self.request.GET.get("month"))
            if month:
                initial["month"] = month
        form = IncidentForm(data, instance=incident, participant=participant, initial=initial)
        if incident is not None and data is None:
            transits = TransitFormSet(
                prefix="transits",
                initial=[{"country": t.country, "ORDER": t.sequence} for t in incident.transits.order_by("sequence")],
            )
            breakdowns = BreakdownFormSet(
                prefix="breakdowns",
                initial=list(
                    incident.breakdowns.order_by("id").values(
                        "group", "citizenship", "sex", "age_group", "count", "unaccompanied"
                    )
                ),
            )
            documents = DocumentFormSet(
                prefix="documents",
                initial=list(
                    incident.documents.order_by("id").values("document_type", "fraud_type", "issuing_country", "count")
                ),
            )
        else:
            transits = TransitFormSet(data, prefix="transits")
            breakdowns = BreakdownFormSet(data, prefix="breakdowns")
            documents = DocumentFormSet(data, prefix="documents")
        return form, {"transits": transits, "breakdowns": breakdowns, "documents": documents}

    def _render(self, incident, form, formsets, *, status=200, section_errors=None, hits=None, notice=""):
        correcting = incident is not None and incident.status == Incident.Status.VALIDATED
        context = {
            "incident": incident,
            "form": form,
            "formsets": formsets,
            "section_errors": section_errors or {},
            "row_errors": sum(fs.total_error_count() for fs in formsets.values()) if form.is_bound else 0,
            "countries": country_datalist(),
            "rates": exchange_rates_by_month(),
            "js_messages": {
                "counted": _("%(counted)s of %(total)s %(group)s broken down, %(rest)s unknown"),
                "over": _("%(counted)s %(group)s in rows, more than the total of %(total)s"),
                "migrant": _("migrants"),
                "smuggler": _("smugglers"),
                "usd": _("≈ USD %(usd)s (%(currency)s rate of %(month)s)"),
                "no_rate": _(
                    "No %(currency)s rate for %(month)s yet: the USD value is filled in once the secretariat adds it."
                ),
                "no_date": _("Give the detection date to convert the fee."),
            },
            "correcting": correcting,
            "correction_reason": self.request.POST.get("correction_reason", ""),
            "version": self.request.POST.get("version") or (incident.version if incident else ""),
            "screening": {
                name: highlight(getattr(incident, name) if not form.is_bound else form.data.get(name, ""), found)
                for name, found in (hits or {}).items()
            },
            "notice": notice,
            "can_submit": incident is None or incident.status in (Incident.Status.DRAFT, Incident.Status.RETURNED),
            "can_override": self.request.user.role == Role.FOCAL_POINT,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        incident = self.get_incident()
        if incident is not None:
            self._require_editable(incident)
        form, formsets = self._forms(incident)
        hits = services.incident_screening(incident=incident) if incident is not None else {}
        return self._render(incident, form, formsets, hits=hits)

    def _require_editable(self, incident: Incident) -> None:
        editable = [Incident.Status.DRAFT, Incident.Status.RETURNED]
        if self.request.user.role == Role.FOCAL_POINT:
            editable += [Incident.Status.SUBMITTED, Incident.Status.VALIDATED]
        if incident.status not in editable:
            raise PermissionDenied(
                _("This record is %(status)s: you cannot change it now.")
                % {"status": incident.get_status_display().lower()}
            )

    def post(self, request, pk=None):
        incident = self.get_incident()
        if incident is not None:
            self._require_editable(incident)
        form, formsets = self._forms(incident, request.POST)
        valid = form.is_valid()
        valid = all([fs.is_valid() for fs in formsets.values()]) and valid
        if not valid:
            # The screening with the field checks, so every problem shows at once (on a valid form
            # the service screens, with its own checks).
            hits = form.screening_problems()
            return self._render(incident, form, formsets, status=400, hits=hits)
        submit = request.POST.get("action") == "submit" and (
            incident is None or incident.status in (Incident.Status.DRAFT, Incident.Status.RETURNED)
        )
        rows = {
            "transits": [row["country"] for row in formsets["transits"].rows()],
            "breakdowns": formsets["breakdowns"].rows(),
            "documents": [
                {**row, "issuing_country": row.get("issuing_country") or ""} for row in formsets["documents"].rows()
            ],
        }
        for row in rows["breakdowns"]:
            row["citizenship"] = row.get("citizenship") or ""
        user = request.user
        override = {"screening_override": form.cleaned_data.get("screening_override", "")}
        if incident is None or incident.status != Incident.Status.VALIDATED:
            override["submitting"] = submit
        try:
            with transaction.atomic():
                if incident is None:
                    saved = services.incident_create(
                        created_by=user, participant=user.participant, data=form.data_for_service(), **rows, **override
                    )
                elif incident.status == Incident.Status.VALIDATED:
                    saved = services.incident_correct(
                        incident=incident,
                        corrected_by=user,
                        expected_version=self._version(),
                        data=form.data_for_service(),
                        reason=request.POST.get("correction_reason", ""),
                        **rows,
                        **override,
                    )
                else:
                    saved = services.incident_update(
                        incident=incident,
                        updated_by=user,
                        expected_version=self._version(),
                        data=form.data_for_service(),
                        **rows,
                        **override,
                    )
                if submit:
                    saved = services.incident_submit(incident=saved, submitted_by=user)
        except services.StaleRecord as stale:
            form.add_error(None, str(stale))
            return self._render(incident, form, formsets, status=409)
        except ValidationError as error:
            section_errors = _apply_errors(form, error)
            hits = getattr(error, "hits", None)
            if incident is not None:
                incident.refresh_from_db()  # the failed transaction changed nothing
            return self._render(incident, form, formsets, status=400, section_errors=section_errors, hits=hits)
        if submit:
            messages.success(request, _("Record %(ref)s submitted for validation.") % {"ref": saved.national_reference})
        elif incident is not None and incident.status == Incident.Status.VALIDATED:
            messages.success(request, _("Correction saved as version %(v)s.") % {"v": saved.version})
        else:
            messages.success(request, _("Draft %(ref)s saved.") % {"ref": saved.national_reference})
        return HttpResponseRedirect(reverse("reporting:incident-detail", args=[saved.pk]))

    def _version(self) -> int:
        try:
            return int(self.request.POST.get("version", ""))
        except ValueError:
            return -1  # no version posted: treated as stale, never as "overwrite"


def _apply_errors(form, error: ValidationError) -> dict[str, list[str]]:
    """Put each service error next to its field; rows' errors go to their section."""
    sections: dict[str, list[str]] = {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return sections
    for field, messages_ in error.message_dict.items():
        if field in ROW_SECTIONS:
            sections.setdefault(field, []).extend(messages_)
        elif field in form.fields:
            form.add_error(field, messages_)
        elif field == "correction_reason" or field == "reason":
            sections.setdefault("correction", []).extend(messages_)
        else:
            form.add_error(None, messages_)
    return sections


class IncidentActionView(RolesRequiredMixin, View):
    """One workflow step on a record, posted from its page: submit, validate, return, withdraw,
    override the personal-data check, redact personal data from the history, set sharing. Refusals
    come back as a message on the page."""

    roles = READER_ROLES  # the record decides: 404 if unreadable, 403 if readable but not theirs to change
    http_method_names = ["post"]
    action = ""

    def get(self, request, pk):
        """Withdrawing a record asks first (urls.py allows GET for that action only): what it
        means and who reads the record today, with the reason box and the button."""
        incident = _own_record(request, pk)
        summary = confirmations.record_withdrawal_summary(incident=incident)
        return render(request, "reporting/incident_withdraw_confirm.html", {"summary": summary, "incident": incident})

    def post(self, request, pk):
        incident = _own_record(request, pk)
        user = request.user
        version = self._version()
        post = request.POST
        try:
            if self.action == "submit":
                services.incident_submit(incident=incident, submitted_by=user, expected_version=version)
                done = _("Submitted for validation.")
            elif self.action == "validate":
                services.incident_validate(incident=incident, validated_by=user, expected_version=version)
                done = _("Validated.")
            elif self.action == "return":
                services.incident_return(
                    incident=incident, returned_by=user, comment=post.get("comment", ""), expected_version=version
                )
                done = _("Returned to the contributor with your comment.")
            elif self.action == "withdraw":
                services.incident_withdraw(
                    incident=incident, withdrawn_by=user, reason=post.get("reason", ""), expected_version=version
                )
                done = _("Withdrawn. The record is kept, out of use.")
            elif self.action == "override":
                services.incident_screening_override(
                    incident=incident, overridden_by=user, reason=post.get("reason", ""), expected_version=version
                )
                done = _("Override recorded: the personal-data check will let this text through.")
            elif self.action == "redact":
                done = redaction.incident_redact(incident=incident, redacted_by=user, text=post.get("text", ""))
                done = _(
                    "Redacted from %(versions)s version(s) of the history and %(comments)s comment(s). "
                    "The versions keep who changed the record and when."
                ) % {"versions": done.versions, "comments": done.comments}
            elif self.action == "sharing":
                if user.role != Role.FOCAL_POINT:  # before the form: a wrong role is 403, not a message
                    raise PermissionDenied(_("Only the focal point sets a record's sharing level and embargo."))
                form = SharingForm(post)
                if not form.is_valid():
                    raise ValidationError([m for ms in form.errors.values() for m in ms])
                services.incident_sharing_set(
                    incident=incident,
                    changed_by=user,
                    sharing_level=form.cleaned_data["sharing_level"],
                    embargo_until=form.cleaned_data["embargo_until"],
                    expected_version=version,
                )
                done = _("Sharing saved.")
            else:  # pragma: no cover - urls.py names every action
                raise PermissionDenied
        except services.StaleRecord as stale:
            messages.error(request, str(stale))
        except services.ScreeningBlocked as blocked:
            messages.error(request, " ".join(blocked.messages))
            return HttpResponseRedirect(reverse("reporting:incident-update", args=[pk]))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("reporting:incident-detail", args=[pk]))

    def _version(self) -> int | None:
        try:
            return int(self.request.POST.get("version", ""))
        except ValueError:
            return None


class GlossaryView(LoginRequiredMixin, TemplateView):
    """The Protocol's definitions and every code list with its meaning, for every signed-in user."""

    template_name = "reporting/glossary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["code_lists"] = [
            (_("Conduct categories"), codes.ConductCategory.choices),
            (_("Financial or other material benefit"), codes.ProtocolBenefit.choices),
            (_("Detection context"), codes.DetectionContext.choices),
            (_("Modes"), codes.Mode.choices),
            (_("Conveyances and methods"), codes.Method.choices),
            (_("Smuggler roles"), codes.SmugglerRole.choices),
            (_("Fee covers"), codes.FeeScope.choices),
            (_("Payment"), codes.PaymentModality.choices),
            (_("Document types"), codes.DocumentType.choices),
            (_("Kinds of document fraud"), codes.FraudType.choices),
            (_("Causes of death"), codes.CauseOfDeath.choices),
            (_("Abuses"), codes.Abuse.choices),
            (_("Sources"), codes.Source.choices),
            (_("Confidence"), codes.Confidence.choices),
            (_("Sharing levels"), codes.SharingLevel.choices),
        ]
        context["today"] = timezone.localdate()
        return context
