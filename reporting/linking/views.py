"""Web pages of linked incidents: a focal point's list of its participant's links, and its decision."""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from reporting.linking import selectors, services
from reporting.linking.models import IncidentLink
from reporting.views.records import RolesRequiredMixin


class LinkListView(RolesRequiredMixin, TemplateView):
    """The links between a record of the focal point's participant and another participant's record
    that it reads, to confirm or reject."""

    template_name = "reporting/links/link_list.html"
    roles = (Role.FOCAL_POINT,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        status = self.request.GET.get("status") or IncidentLink.Status.PROPOSED
        if status not in IncidentLink.Status.values:
            status = IncidentLink.Status.PROPOSED
        rows = []
        for link in selectors.link_list(user=user, status=status)[:200]:
            side = link.side_of(user.participant_id)
            own, other = (link.first, link.second) if side == "first" else (link.second, link.first)
            other_side = "second" if side == "first" else "first"
            rows.append(
                {
                    "link": link,
                    "own": own,
                    "other": other,
                    "our_decision": getattr(link, f"get_{side}_decision_display")(),
                    "their_decision": getattr(link, f"get_{other_side}_decision_display")(),
                    "decided": getattr(link, f"{side}_decision") != IncidentLink.Decision.PENDING,
                }
            )
        context.update(rows=rows, status=status, statuses=IncidentLink.Status.choices)
        return context


class LinkDecideView(RolesRequiredMixin, View):
    """POST: confirm or reject one link (404 for a link the focal point may not read)."""

    roles = (Role.FOCAL_POINT,)
    http_method_names = ["post"]

    def post(self, request, pk: int):
        link = selectors.link_get_for(user=request.user, pk=pk)
        decision = request.POST.get("decision")
        if decision not in ("confirm", "reject"):
            return HttpResponseBadRequest(_("Choose to confirm or to reject the link."))
        try:
            link = services.link_decide(user=request.user, link=link, confirm=decision == "confirm")
        except services.LinkError as error:
            messages.error(request, str(error))
        else:
            if link.status == IncidentLink.Status.CONFIRMED:
                messages.success(request, _("Link confirmed by both sides: regional totals count this venture once."))
            elif link.status == IncidentLink.Status.REJECTED:
                messages.success(request, _("Link rejected: it will not be proposed again."))
            else:
                messages.success(request, _("Your confirmation is recorded; the other side has not decided yet."))
        return redirect("reporting:link-list")
