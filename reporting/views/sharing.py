"""Pages about sharing: my standing, the who-sees-whom matrix, who read our data, withholding data."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts import selectors as account_selectors
from accounts.models import Participant, Role
from reporting import reciprocity, selectors
from reporting.services.sharing import exclusion_set
from reporting.views.records import RolesRequiredMixin

PARTICIPANT_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST)


class StandingView(RolesRequiredMixin, TemplateView):
    """'My standing': is my participant contributing, why, and what to submit to keep or regain access."""

    template_name = "reporting/standing.html"
    roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = self.request.user.participant
        standing = reciprocity.participant_standing(participant)
        context.update(
            participant=participant,
            standing=standing,
            policy=reciprocity.current_policy(),
            readable=selectors.incident_list_owners(user=self.request.user),
            gain=reciprocity.contribution_gain(participant.pk),
            # Whom to contact: the focal points submit returns, the secretariat decides participation.
            focal_points=account_selectors.focal_points_of(participant_id=participant.pk),
            secretariat=account_selectors.secretariat_contacts(),
        )
        return context


class SharingMatrixView(RolesRequiredMixin, TemplateView):
    """For the secretariat: rows are viewers, columns owners, from guardian's rows and the live rule."""

    template_name = "reporting/sharing_matrix.html"
    roles = (Role.SECRETARIAT,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(matrix=selectors.sharing_matrix(), policy=reciprocity.current_policy())
        return context


class AccessLogView(RolesRequiredMixin, TemplateView):
    """For an owner's focal point: who read our data, when, through what, how many records.

    Other states' readers are named by participant and role, never by username: the owner needs to
    know which administration read what, while the officials of a foreign administration are that
    administration's business (the secretariat can trace a single event to a user if needed)."""

    template_name = "reporting/access_log.html"
    roles = (Role.FOCAL_POINT,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = self.request.user.participant
        paginator = Paginator(selectors.access_event_list(owner_id=participant.pk), 100)
        context.update(participant=participant, page=paginator.get_page(self.request.GET.get("page")))
        return context


class ExclusionForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Participant.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the other participants.")},
    )
    withhold = forms.TypedChoiceField(
        label=_("Sharing"),
        choices=[("1", _("Withhold our data from this partner")), ("0", _("Share our data with this partner"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason (kept with the decision)"), required=False, max_length=1000)

    def __init__(self, *args, owner: Participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Participant.objects.exclude(pk=owner.pk)


class ExclusionListView(RolesRequiredMixin, TemplateView):
    """For an owner's focal point: withhold its data from named partners, or share with them again."""

    template_name = "reporting/exclusions.html"
    roles = (Role.FOCAL_POINT,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        owner = self.request.user.participant
        context.update(
            participant=owner,
            partners=selectors.exclusion_partners(owner=owner),
            form=kwargs.get("form") or ExclusionForm(owner=owner),
        )
        return context

    def post(self, request, *args, **kwargs):
        owner = request.user.participant
        form = ExclusionForm(request.POST, owner=owner)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        partner = form.cleaned_data["partner"]
        withhold = form.cleaned_data["withhold"]
        exclusion_set(
            owner=owner, partner=partner, excluded=withhold, changed_by=request.user, reason=form.cleaned_data["reason"]
        )
        if withhold:
            messages.success(request, _("Your data is now withheld from %(name)s.") % {"name": partner.local_name})
        else:
            messages.success(request, _("%(name)s may read your shared data again.") % {"name": partner.local_name})
        return redirect("reporting:exclusion-list")
