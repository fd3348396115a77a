"""The national context pages, and the footnotes other pages and exports show: interfaces over
reporting.context.selectors and services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.roles import Action, role_can
from reporting.context import selectors, services
from reporting.context.forms import ContextFilterForm, NoteForm, ProfileForm, WithdrawForm
from reporting.views.records import RolesRequiredMixin

# Pages ---------------------------------------------------------------------------------------------


class WriterMixin(RolesRequiredMixin):
    """The focal point of a participant describes its own data; others get 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not role_can(request.user.role, Action.DESCRIBE_DATA) or request.user.participant_id is None:
            raise PermissionDenied(_("Only the focal point writes the national profile and notes."))
        self.prepare(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def prepare(self, request, **kwargs) -> None:
        """Look up what the page is about, once the writer is known."""


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ContextListView(RolesRequiredMixin, TemplateView):
    """Profiles and notes of the participants whose data the user may read (all for the secretariat)."""

    template_name = "reporting/context/context_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        participants = selectors.context_participants(user=user)
        form = ContextFilterForm(self.request.GET or None, participants=participants)
        participant = form.cleaned_data.get("participant") if form.is_bound and form.is_valid() else None
        participant_id = participant.pk if participant else None
        if self.request.GET.get("mine") and user.participant_id:
            participant_id = user.participant_id
        own = participant_id is not None and participant_id == user.participant_id
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "profiles": selectors.profile_list(user=user, participant_id=participant_id),
            "notes": selectors.note_list(user=user, participant_id=participant_id, include_withdrawn=own),
            "own_participant_id": user.participant_id,
            "can_write": role_can(user.role, Action.DESCRIBE_DATA) and user.participant_id is not None,
        }


class ProfileFormView(WriterMixin, FormView):
    template_name = "reporting/context/profile_form.html"
    form_class = ProfileForm

    def get_initial(self):
        current = selectors.profile_list(user=self.request.user, participant_id=self.request.user.participant_id)
        latest = current.first()
        if latest is None:
            return {}
        return {
            "agencies": latest.agencies,
            "territory": latest.territory,
            "irregular_stay": latest.irregular_stay,
            "incident_unit": latest.incident_unit,
            "definitions": latest.definitions,
            "language": latest.language,
        }

    def form_valid(self, form):
        try:
            services.profile_save(participant=self.request.user.participant, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        return redirect(reverse("reporting:context-list") + "?mine=1")


class NoteFormView(WriterMixin, FormView):
    """Write a note (no pk) or change one of the participant's own (pk)."""

    template_name = "reporting/context/note_form.html"
    form_class = NoteForm

    def prepare(self, request, **kwargs) -> None:
        # A note outside the rule answers 404, like one that does not exist; another's readable note 403.
        self.note = None
        if "pk" in kwargs:
            self.note = selectors.note_get_for(user=request.user, pk=kwargs["pk"])
            if self.note.participant_id != request.user.participant_id:
                raise PermissionDenied(_("Only the participant that wrote this note can change it."))

    def get_initial(self):
        if self.note is None:
            return {}
        return {k: getattr(self.note, k) for k in ("month_from", "month_to", "text", "language")}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "note": self.note}

    def form_valid(self, form):
        try:
            if self.note is None:
                services.note_create(participant=self.request.user.participant, by=self.request.user,
                                     **form.cleaned_data)  # fmt: skip
            else:
                services.note_update(note=self.note, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        return redirect(reverse("reporting:context-list") + "?mine=1")


class NoteWithdrawView(NoteFormView):
    template_name = "reporting/context/note_withdraw.html"
    form_class = WithdrawForm

    def get_initial(self):
        return {}

    def form_valid(self, form):
        try:
            services.note_withdraw(note=self.note, by=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        return redirect(reverse("reporting:context-list") + "?mine=1")
