"""Pages of two-factor sign-in: overview, set-up with a QR code, the sign-in code, recovery codes.

Thin views over accounts/second_factor.py. The set-up page never replaces an authenticator from a
session that has not typed a code of the current one: a stolen password alone cannot move it.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login

from accounts import second_factor
from accounts.signin import SESSION_HAS_DEVICE


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    # From an https page, only an https (or relative) target: never downgrade to http.
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


class SecondFactorOverviewView(LoginRequiredMixin, View):
    template_name = "accounts/two_factor.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {
                "device": second_factor.authenticator_get(user=request.user),
                "required": second_factor.second_factor_required(request.user),
                "verified": request.user.is_verified(),
            },
        )


class SecondFactorSetupView(LoginRequiredMixin, View):
    template_name = "accounts/two_factor_setup.html"

    def _guard(self, request):
        if second_factor.authenticator_get(user=request.user) and not request.user.is_verified():
            return redirect(f"{reverse('accounts:otp-verify')}?{urlencode({'next': request.path})}")
        return None

    def _page(self, request, form, status=200):
        device = second_factor.authenticator_pending(user=request.user)
        context = {
            "form": form,
            "qr": second_factor.authenticator_qr_data_uri(device),
            "secret": second_factor.authenticator_secret(device),
            "required": second_factor.second_factor_required(request.user),
            "next": _next(request),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._guard(request) or self._page(request, CodeForm())

    def post(self, request):
        if blocked := self._guard(request):
            return blocked
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device, codes = second_factor.authenticator_confirm(
                    user=request.user, code=form.cleaned_data["code"], request=request
                )
            except ValidationError as error:
                for message in error.message_dict.get("code", []):
                    form.add_error("code", message)
            else:
                otp_login(request, device)
                request.session[SESSION_HAS_DEVICE] = True
                return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        return self._page(request, form, status=400)


class SecondFactorVerifyView(LoginRequiredMixin, View):
    template_name = "accounts/two_factor_verify.html"

    def get(self, request):
        if request.user.is_verified() or not request.session.get(SESSION_HAS_DEVICE, True):
            return redirect(_next(request))
        return render(request, self.template_name, {"form": CodeForm(), "next": _next(request)})

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            device = second_factor.second_factor_check(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
            if device is not None:
                otp_login(request, device)
                return redirect(_next(request))
            form.add_error(
                "code",
                _(
                    "This code was not accepted. Type the code your app shows now, or one of your unused recovery "
                    "codes. After several wrong codes you must wait a little longer before each try."
                ),
            )
        return render(request, self.template_name, {"form": form, "next": _next(request)}, status=400)


class RecoveryCodesRenewView(LoginRequiredMixin, View):
    def post(self, request):
        if not request.user.is_verified():
            return redirect("accounts:otp-verify")
        try:
            codes = second_factor.recovery_codes_renew(user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:otp-overview")
        return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": "/accounts/two-factor/"})


class SecondFactorRemoveView(LoginRequiredMixin, View):
    def post(self, request):
        if not request.user.is_verified():
            return redirect("accounts:otp-verify")
        try:
            second_factor.second_factor_remove(user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            request.session[SESSION_HAS_DEVICE] = False
            messages.success(request, _("Two-factor sign-in removed."))
        return redirect("accounts:otp-overview")
