"""The home page: each role's work (reporting/worklists.py), who you are, and links to the rest.

It lives in reporting, not accounts, because it shows incident data (through the rule), and
imports point one way: accounts ← reporting.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from reporting import worklists


class HomeView(LoginRequiredMixin, TemplateView):
    """A work queue per role: what waits for you, with counts that open the filtered lists."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["membership"] = user.membership_or_none
        context["work"] = worklists.worklist_for(user)
        return context
