"""The monthly returns page: each month's state, submitting, "nothing to report", reopening."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.language import month_label
from accounts.models import Role
from reporting import confirmations
from reporting.entry_selectors import return_calendar
from reporting.forms import NilReturnForm, ReasonForm
from reporting.models import RETURN_DUE_DAY, Return
from reporting.services.returns import return_reopen, return_submit, return_submit_nil
from reporting.views.records import RolesRequiredMixin

PARTICIPANT_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST)


class ReturnListView(RolesRequiredMixin, TemplateView):
    """The participant's months, newest first; the focal point acts on them."""

    roles = PARTICIPANT_ROLES
    template_name = "reporting/return_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            months=return_calendar(participant=user.participant),
            participant=user.participant,
            is_focal_point=user.role == Role.FOCAL_POINT,
            can_enter=user.role in (Role.CONTRIBUTOR, Role.FOCAL_POINT),
            due_day=RETURN_DUE_DAY,
        )
        return context


class _ReturnAction(RolesRequiredMixin, View):
    roles = (Role.FOCAL_POINT,)
    http_method_names = ["post"]

    def own_return(self, pk: int) -> Return:
        # Returns are the participant's own data: another participant's return is "missing".
        return get_object_or_404(Return, pk=pk, participant_id=self.request.user.participant_id)

    def done(self, text: str = "", error: ValidationError | None = None):
        if error is not None:
            messages.error(self.request, " ".join(error.messages))
        else:
            messages.success(self.request, text)
        return HttpResponseRedirect(reverse("reporting:return-list"))


class ReturnSubmitView(_ReturnAction):
    """GET: what submitting the month's return does (its records, who reads what from when), with
    the button; POST: submits it."""

    http_method_names = ["get", "post"]

    def get(self, request, pk):
        ret = self.own_return(pk)
        summary = confirmations.return_submission_summary(user=request.user, ret=ret)
        return render(request, "reporting/return_confirm.html", {"summary": summary, "ret": ret})

    def post(self, request, pk):
        ret = self.own_return(pk)
        try:
            ret = return_submit(ret=ret, submitted_by=request.user)
        except ValidationError as error:
            return self.done(error=error)
        return self.done(_("The return for %(month)s is submitted.") % {"month": month_label(ret.month)})


class ReturnNilView(_ReturnAction):
    def post(self, request):
        form = NilReturnForm(request.POST)
        if not form.is_valid():
            return self.done(error=ValidationError([m for ms in form.errors.values() for m in ms]))
        try:
            ret = return_submit_nil(
                participant=request.user.participant, month=form.cleaned_data["month"], submitted_by=request.user
            )
        except ValidationError as error:
            return self.done(error=error)
        return self.done(
            _("Nil return for %(month)s submitted: nothing to report.") % {"month": month_label(ret.month)}
        )


class ReturnReopenView(_ReturnAction):
    def post(self, request, pk):
        ret = self.own_return(pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return self.done(error=ValidationError(_("Say why the return is reopened; the reason is kept.")))
        try:
            ret = return_reopen(ret=ret, reopened_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            return self.done(error=error)
        return self.done(_("The return for %(month)s is open again.") % {"month": month_label(ret.month)})
