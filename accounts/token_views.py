"""The page where a user creates and revokes their personal API tokens (issue #6).

A new token is shown once, on the page that answers the creating POST; only its prefix is kept.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.api_tokens import MAX_LIFETIME_DAYS, api_token_create, api_token_problems, api_token_revoke
from accounts.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “case system”."))
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most one year from today."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=90)

    def clean(self):
        # The service's own checks, for every field that parsed: all problems shown at once.
        data = super().clean()
        problems = api_token_problems(
            user=self.user,
            name=data.get("name", ""),
            scope=data.get("scope", ApiToken.Scope.READ),
            expires_on=data.get("expires_on"),
        )
        for field, found in problems.items():
            if field in self.errors:
                continue  # already told (e.g. "This field is required.")
            for message in found:
                self.add_error(None if field == "__all__" else field, message)
        return data


def _context(request, form, plaintext: str | None = None, created: ApiToken | None = None) -> dict:
    return {
        "form": form,
        "tokens": request.user.api_tokens.order_by("-created_at"),
        "plaintext": plaintext,
        "created": created,
        "today": timezone.localdate(),
        "max_days": MAX_LIFETIME_DAYS,
    }


class ApiTokenListView(LoginRequiredMixin, View):
    """Your tokens (name, prefix, scope, expiry, last use) and a form for a new one."""

    template_name = "accounts/tokens.html"

    def get(self, request):
        return render(request, self.template_name, _context(request, ApiTokenForm()))

    def post(self, request):
        form = ApiTokenForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                token, plaintext = api_token_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(None if field == "__all__" else field, problem)
            else:
                response = render(request, self.template_name, _context(request, ApiTokenForm(), plaintext, token))
                response["Cache-Control"] = "no-store"  # the token must not sit in a cache
                return response
        return render(request, self.template_name, _context(request, form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        # Another user's token answers 404, like a missing one.
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        api_token_revoke(token=token, revoked_by=request.user)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect("accounts:token-list")
