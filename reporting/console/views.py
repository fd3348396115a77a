"""The secretariat's console (issue #8): participants and their lifecycle, terms of participation,
the reciprocity policy with a preview, coverage and compliance, code lists, and the audit trail.

Every page here is an action of the secretariat: a signed-in user of another role gets 403.
"""

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.forms import LifecycleForm, ParticipantInviteForm, TermsAcceptForm, TermsPublishForm, add_service_errors
from accounts.models import Agency, AuditEntry, Participant, SentReminder, TermsVersion
from accounts.roles import Action
from accounts.views import RoleRequiredMixin
from reporting import compliance, confirmations
from reporting.console.audit import AuditTrail, audit_count, audit_rows_all
from reporting.console.forms import (
    AgencyForm,
    AuditFilterForm,
    CoverageForm,
    CrossingPointForm,
    ExchangeRateForm,
    PolicyForm,
    RemindersForm,
)
from reporting.models import BorderCrossingPoint, ExchangeRate, ReciprocityPolicy
from reporting.reciprocity import current_grants, current_policy, participant_standing, standings
from reporting.reminders import reminder_previews, reminder_schedule, reminders_send_now
from reporting.services import codelists
from reporting.services.sharing import POLICY_FIELDS, policy_create
from reporting.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_lines


class SecretariatMixin(RoleRequiredMixin):
    required_actions = (Action.MANAGE_PARTICIPANTS,)


class ConsoleHomeView(SecretariatMixin, TemplateView):
    template_name = "console/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(Participant.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        context["status_counts"] = [(label, counts.get(value, 0)) for value, label in Participant.Status.choices]
        context["policy"] = current_policy()
        context["risks"] = compliance.access_at_risk()[:10]
        return context


# Participants -------------------------------------------------------------------------------------


class ParticipantListView(SecretariatMixin, TemplateView):
    template_name = "console/participant_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participants = list(account_selectors.participant_list())
        standing = standings(participants)
        context["rows"] = [(p, standing[p.pk]) for p in participants]
        context["form"] = kwargs.get("form") or ParticipantInviteForm()
        return context

    def post(self, request):
        form = ParticipantInviteForm(request.POST)
        if form.is_valid():
            try:
                participant = account_services.participant_invite(invited_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is invited.") % {"name": participant.local_name})
                return redirect("reporting:console-participant", pk=participant.pk)
        return render(request, self.template_name, self.get_context_data(form=form), status=400)


STEPS = {
    "activate": _("Activate"),
    "suspend": _("Suspend"),
    "reinstate": _("Reinstate"),
    "withdraw": _("Withdraw"),
}


class ParticipantDetailView(SecretariatMixin, TemplateView):
    template_name = "console/participant_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = get_object_or_404(Participant, pk=self.kwargs["pk"])
        grants = current_grants()
        context.update(
            participant=participant,
            standing=participant_standing(participant),
            history=participant.status_changes.select_related("changed_by"),
            acceptances=participant.terms_acceptances.select_related("terms", "recorded_by"),
            terms_current=account_services.terms_current(),
            accepted_current=account_services.participant_has_accepted_current_terms(participant=participant),
            steps=[
                (step, label, step in account_services.REASON_REQUIRED)
                for step, label in STEPS.items()
                if participant.status in account_services.LIFECYCLE[step][0]
            ],
            step_form=kwargs.get("step_form") or LifecycleForm(),
            failed_step=kwargs.get("failed_step"),
            terms_form=kwargs.get("terms_form")
            or TermsAcceptForm(
                initial={"accepted_on": timezone.localdate(), "terms": account_services.terms_current()}
            ),
            reads_count=sum(1 for _owner, viewer in grants if viewer == participant.pk),
            read_by_count=sum(1 for owner, _viewer in grants if owner == participant.pk),
            focal_points=account_selectors.focal_points_of(participant_id=participant.pk),
            coverage=compliance.coverage_grid(
                months=compliance.coverage_months(on=timezone.localdate(), count=12), participants=[participant]
            )[0],
        )
        return context


class ParticipantStepView(SecretariatMixin, View):
    # Steps that ask first, on a page of their own: what the step does, the reason, the button.
    CONFIRMED_STEPS = ("withdraw",)

    def get(self, request, pk: int, step: str):
        participant = get_object_or_404(Participant, pk=pk)
        if step not in self.CONFIRMED_STEPS:
            raise Http404
        return self._confirm(request, participant, step, LifecycleForm())

    def _confirm(self, request, participant, step: str, form, status: int = 200):
        summary = confirmations.participant_withdrawal_summary(participant=participant)
        context = {"summary": summary, "participant": participant, "form": form, "step": step}
        return render(request, "console/participant_withdraw_confirm.html", context, status=status)

    def post(self, request, pk: int, step: str):
        participant = get_object_or_404(Participant, pk=pk)
        if step not in STEPS:
            raise Http404
        form = LifecycleForm(request.POST)
        if form.is_valid():
            try:
                account_services.participation_step(
                    participant=participant, step=step, changed_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                participant.refresh_from_db()
                messages.success(
                    request,
                    _("%(name)s is now %(status)s. Access is being recomputed.")
                    % {"name": participant.local_name, "status": participant.get_status_display().lower()},
                )
                return redirect("reporting:console-participant", pk=pk)
        if step in self.CONFIRMED_STEPS:
            return self._confirm(request, participant, step, form, status=400)
        view = ParticipantDetailView()
        view.setup(request, pk=pk)
        return render(request, view.template_name, view.get_context_data(step_form=form, failed_step=step), status=400)


class TermsAcceptView(SecretariatMixin, View):
    def post(self, request, pk: int):
        participant = get_object_or_404(Participant, pk=pk)
        form = TermsAcceptForm(request.POST)
        if form.is_valid():
            try:
                account_services.terms_accept(participant=participant, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Acceptance of the terms recorded."))
                return redirect("reporting:console-participant", pk=pk)
        view = ParticipantDetailView()
        view.setup(request, pk=pk)
        return render(request, view.template_name, view.get_context_data(terms_form=form), status=400)


class TermsView(SecretariatMixin, TemplateView):
    template_name = "console/terms.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = TermsVersion.objects.annotate(accepted=Count("acceptances"))
        context["form"] = kwargs.get("form") or TermsPublishForm()
        return context

    def post(self, request):
        form = TermsPublishForm(request.POST)
        if form.is_valid():
            try:
                terms = account_services.terms_publish(created_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Terms version %(v)d published.") % {"v": terms.version})
                return redirect("reporting:console-terms")
        return render(request, self.template_name, self.get_context_data(form=form), status=400)


# Policy -------------------------------------------------------------------------------------------


class PolicyView(SecretariatMixin, TemplateView):
    """Edit the policy as a new version: `preview` shows who would gain or lose access; `confirm`
    (only offered with a preview of the same parameters) creates the version."""

    template_name = "console/policy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = current_policy()
        context["policy"] = policy
        context["versions"] = ReciprocityPolicy.objects.select_related("created_by")[:20]
        context["form"] = kwargs.get("form") or PolicyForm(
            initial={name: getattr(policy, name) for name in POLICY_FIELDS}
        )
        context["preview"] = kwargs.get("preview")
        context["previewed"] = kwargs.get("previewed", "")
        context["participants"] = {p.pk: p for p in Participant.objects.all()}
        return context

    def post(self, request):
        form = PolicyForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.get_context_data(form=form), status=400)
        proposed = form.save(commit=False)
        proposed.version = current_policy().version + 1
        parameters = "|".join(f"{name}={form.cleaned_data[name]}" for name in POLICY_FIELDS)
        previewed = request.POST.get("previewed") == parameters
        if request.POST.get("action") == "confirm" and not previewed:
            messages.warning(
                request, _("The parameters changed since the preview: check the new preview, then confirm.")
            )
        if request.POST.get("action") == "confirm" and previewed:
            parameters = {name: form.cleaned_data[name] for name in POLICY_FIELDS}
            try:
                policy = policy_create(created_by=request.user, reason=form.cleaned_data["reason"], **parameters)
            except ValidationError as error:
                add_service_errors(form, error)
                return render(request, self.template_name, self.get_context_data(form=form), status=400)
            messages.success(
                request, _("Policy version %(v)d is in force; access is being recomputed.") % {"v": policy.version}
            )
            return redirect("reporting:console-policy")
        preview = compliance.policy_preview(proposed=proposed)
        return render(
            request, self.template_name, self.get_context_data(form=form, preview=preview, previewed=parameters)
        )


# Coverage and compliance -------------------------------------------------------------------------


class CoverageView(SecretariatMixin, TemplateView):
    template_name = "console/coverage.html"

    def get(self, request, *args, **kwargs):
        form = CoverageForm(request.GET or None)
        count = (form.is_valid() and form.cleaned_data.get("months")) or 12
        months = compliance.coverage_months(on=timezone.localdate(), count=count)
        rows = compliance.coverage_grid(months=months)
        export = request.GET.get("format")
        stamp = timezone.localdate().isoformat()
        if export in ("csv", "xlsx"):
            account_services.export_audit(
                user=request.user, subject="Coverage grid", fmt=export, rows=len(rows), filters={"months": count}
            )
        if export == "csv":
            response = HttpResponse(compliance.coverage_csv(rows=rows, months=months), content_type=CSV_CONTENT_TYPE)
            response["Content-Disposition"] = f'attachment; filename="vrs-coverage-{stamp}.csv"'
            return response
        if export == "xlsx":
            response = HttpResponse(
                compliance.coverage_xlsx(rows=rows, months=months),
                content_type=XLSX_CONTENT_TYPE,
            )
            response["Content-Disposition"] = f'attachment; filename="vrs-coverage-{stamp}.xlsx"'
            return response
        context = self.get_context_data(
            form=form if form.is_bound else CoverageForm(initial={"months": 12}),
            months=months,
            rows=rows,
            count=count,
            risks=compliance.access_at_risk(),
        )
        return self.render_to_response(context)


# Code lists ----------------------------------------------------------------------------------------

CODE_LISTS = {
    "crossing-points": {
        "title": _("Border crossing points"),
        "model": BorderCrossingPoint,
        "form": CrossingPointForm,
        "columns": ["participant", "code", "name", "mode", "is_active"],
        "save": lambda user, data, obj: codelists.crossing_point_save(changed_by=user, crossing_point=obj, **data),
        "related": ["participant"],
        "history": True,
    },
    "agencies": {
        "title": _("Agencies"),
        "model": Agency,
        "form": AgencyForm,
        "columns": ["participant", "name", "kind", "is_active"],
        "save": lambda user, data, obj: codelists.agency_save(changed_by=user, agency=obj, **data),
        "related": ["participant"],
        "history": False,
    },
    "exchange-rates": {
        "title": _("Exchange rates for fees"),
        "model": ExchangeRate,
        "form": ExchangeRateForm,
        "columns": ["currency", "month", "usd_per_unit"],
        "save": lambda user, data, obj: codelists.exchange_rate_save(changed_by=user, rate=obj, **data),
        "related": [],
        "history": True,
    },
}


def _cell(entry, column: str):
    value = getattr(entry, f"get_{column}_display", lambda: getattr(entry, column))()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


class CodeListView(SecretariatMixin, TemplateView):
    """One code list: its entries (filtered by participant where it has one), a form to add or
    change an entry, and the entry's history of changes."""

    template_name = "console/code_list.html"

    def config(self) -> dict:
        config = CODE_LISTS.get(self.kwargs["kind"])
        if config is None:
            raise Http404
        return config

    def entry(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(self.config()["model"], pk=pk) if pk else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config, entry = self.config(), self.entry()
        entries = config["model"].objects.select_related(*config["related"])
        participant = self.request.GET.get("participant")
        if participant and participant.isdigit() and "participant" in config["columns"]:
            entries = entries.filter(participant_id=int(participant))
        currency = self.request.GET.get("currency", "").upper()
        if currency and "currency" in config["columns"]:
            entries = entries.filter(currency=currency)
        model = config["model"]
        context.update(
            kind=self.kwargs["kind"],
            title=config["title"],
            headers=[model._meta.get_field(c).verbose_name for c in config["columns"]],
            rows=[(e, [_cell(e, c) for c in config["columns"]]) for e in entries[:500]],
            entry=entry,
            form=kwargs.get("form") or config["form"](instance=entry),
            history=entry.history.select_related("history_user")[:50] if entry and config["history"] else None,
            # Agencies keep no history table: their changes are audit entries with the values before.
            audit_history=(
                AuditEntry.objects.filter(action=AuditEntry.Action.CODE_LIST_CHANGED, details__agency=entry.pk)
                .select_related("actor")
                .order_by("-at")[:50]
                if entry and not config["history"]
                else None
            ),
            participants=Participant.objects.all() if "participant" in config["columns"] else None,
            selected_participant=participant,
            currencies=(
                ExchangeRate.objects.order_by("currency").values_list("currency", flat=True).distinct()
                if "currency" in config["columns"]
                else None
            ),
            selected_currency=currency,
            lists=[(k, v["title"]) for k, v in CODE_LISTS.items()],
        )
        return context

    def post(self, request, kind: str, pk: int | None = None):
        config, entry = self.config(), self.entry()
        form = config["form"](request.POST, instance=entry)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                saved = config["save"](request.user, data, entry)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved: %(entry)s.") % {"entry": saved})
                return redirect("reporting:console-codelist", kind=kind)
        return render(request, self.template_name, self.get_context_data(form=form), status=400)


# Audit ----------------------------------------------------------------------------------------------


AUDIT_PAGE_SIZE = 100


class AuditView(SecretariatMixin, TemplateView):
    template_name = "console/audit.html"

    def get(self, request, *args, **kwargs):
        form = AuditFilterForm(request.GET or None)
        filters = {}
        per_page = AUDIT_PAGE_SIZE
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            filters = {
                "kinds": data["kinds"] or None,
                "actor": data["actor"],
                "participant_id": data["participant"].pk if data["participant"] else None,
                "since": data["since"],
                "until": data["until"],
                "text": data["text"],
            }
            per_page = data["per_page"] or AUDIT_PAGE_SIZE
        elif form.is_bound:
            return self.render_to_response(self.get_context_data(form=form, rows=[]), status=400)
        if request.GET.get("format") == "csv":
            return self._csv(request, filters)
        page = Paginator(AuditTrail(**filters), per_page).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self.render_to_response(
            self.get_context_data(form=form, rows=page.object_list, page=page, query=query.urlencode())
        )

    def _csv(self, request, filters: dict) -> StreamingHttpResponse:
        """The whole matching trail, streamed (it used to stop at 5,000 rows without saying so)."""
        count = audit_count(**filters)
        account_services.export_audit(
            user=request.user,
            subject="Audit trail",
            fmt="csv",
            rows=count,
            filters={k: str(v) for k, v in filters.items() if v},
        )
        header = [str(label) for label in (_("When (UTC)"), _("Kind"), _("Who"), _("Participant"), _("What"))]
        rows = (
            (row.at.isoformat(), row.kind_label, row.actor, row.participant, row.what)
            for row in audit_rows_all(**filters)
        )
        response = StreamingHttpResponse(csv_lines(itertools.chain([header], rows)), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="vrs-audit-{timezone.localdate()}.csv"'
        return response


class RemindersView(SecretariatMixin, TemplateView):
    """The reminder e-mails: what went to whom and when, a preview of each text, the schedule, and
    "send now" to one participant's focal points (issue 19)."""

    template_name = "console/reminders.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        form = kwargs.get("form") or RemindersForm(request.GET or None)
        participant = form.cleaned_data.get("participant") if form.is_bound and form.is_valid() else None
        sent = SentReminder.objects.select_related("user__membership__participant")
        if participant is not None:
            sent = sent.filter(user__membership__participant=participant)
        query = request.GET.copy()
        query.pop("page", None)
        example = participant or Participant.objects.active().order_by("name").first()
        context.update(
            form=form,
            page=Paginator(sent, AUDIT_PAGE_SIZE).get_page(request.GET.get("page")),
            query=query.urlencode(),
            previews=reminder_previews(user=request.user, participant=example) if example else [],
            example=example,
            schedule=reminder_schedule(),
        )
        return context

    def post(self, request):
        form = RemindersForm(request.POST)
        if not form.is_valid() or form.cleaned_data["participant"] is None:
            form.add_error("participant", _("Choose the participant whose focal points get the reminder."))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        participant = form.cleaned_data["participant"]
        sent = reminders_send_now(participant=participant)
        if sent:
            messages.success(
                request,
                _("%(count)d e-mail(s) sent to the focal points of %(name)s.")
                % {"count": sent, "name": participant.local_name},
            )
        else:
            messages.info(
                request,
                _("Nothing sent: %(name)s has no late return, or no focal point who receives these reminders.")
                % {"name": participant.local_name},
            )
        return redirect(f"{reverse('reporting:console-reminders')}?participant={participant.pk}")
