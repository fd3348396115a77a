from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from accounts import selectors, services
from accounts.authentication import client_ip
from accounts.forms import (
    DeactivateForm,
    InvitationAcceptForm,
    InvitationForm,
    NotificationPreferenceForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    RoleChangeForm,
    SignInForm,
    UserFilterForm,
    add_service_errors,
)
from accounts.models import AuditEntry, Role, UserSession
from accounts.roles import Action, role_can
from config.errors import error_page


class RoleRequiredMixin(LoginRequiredMixin):
    """Signed-in users whose role allows one of `required_actions` (accounts/roles.py); others get
    403: these pages are actions, not records. Anonymous visitors go to the sign-in page."""

    required_actions: tuple[Action, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not any(role_can(request.user.role, action) for action in self.required_actions):
            raise PermissionDenied(_("Your role does not allow this page."))
        return super().dispatch(request, *args, **kwargs)


class TrackedLoginView(auth_views.LoginView):
    """Sign-in that remembers the session, so its user can see it and end it later."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.session_track(
            user=form.get_user(),
            session_key=self.request.session.session_key,
            ip_address=client_ip(self.request),
            user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
        )
        return response


# Users and invitations ---------------------------------------------------------------------------

USER_MANAGERS = (Action.MANAGE_OWN_USERS, Action.APPOINT_FOCAL_POINTS)


class UserListView(RoleRequiredMixin, TemplateView):
    """The users the signed-in manager looks after, and the invitations sent."""

    required_actions = USER_MANAGERS
    template_name = "accounts/user_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = self.request.user
        filters = UserFilterForm(self.request.GET or None, actor=actor)
        chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
        participant = chosen.get("participant")
        context["users"] = selectors.user_list_for(
            actor=actor, participant_id=participant.pk if participant else None, role=chosen.get("role", "")
        )
        context["filters"] = filters
        context["is_secretariat"] = actor.role == Role.SECRETARIAT
        context["invitations"] = selectors.invitation_list_for(actor=actor)[:50]
        context["form"] = kwargs.get("form") or InvitationForm(actor=actor)
        context["now_"] = timezone.now()
        return context


class InvitationCreateView(RoleRequiredMixin, View):
    required_actions = USER_MANAGERS

    def post(self, request):
        form = InvitationForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                invitation, _token = services.invitation_create(invited_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("accounts:user-list")
        view = UserListView()
        view.setup(request)
        return render(request, view.template_name, view.get_context_data(form=form), status=400)


class InvitationWithdrawView(RoleRequiredMixin, View):
    required_actions = USER_MANAGERS

    def post(self, request, pk: int):
        invitation = selectors.invitation_get_for(actor=request.user, pk=pk)
        services.invitation_withdraw(invitation=invitation, withdrawn_by=request.user)
        messages.success(request, _("Invitation withdrawn."))
        return redirect("accounts:user-list")


class InvitationAcceptView(View):
    """Where an invitation link leads: the invited person chooses a user name and password."""

    template_name = "accounts/invitation_accept.html"

    def get(self, request, token: str):
        invitation = services.invitation_for_token(token=token)
        return render(
            request,
            self.template_name,
            {"invitation": invitation, "form": InvitationAcceptForm()},
            status=200 if invitation else 410,
        )

    def post(self, request, token: str):
        invitation = services.invitation_for_token(token=token)
        form = InvitationAcceptForm(request.POST)
        if invitation and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
            try:
                services.invitation_accept(token=token, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your account is ready: sign in."))
                return redirect("accounts:login")
        return render(
            request, self.template_name, {"invitation": invitation, "form": form}, status=400 if invitation else 410
        )


class UserDetailView(RoleRequiredMixin, TemplateView):
    required_actions = USER_MANAGERS
    template_name = "accounts/user_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = self.request.user
        target = selectors.user_get_for(actor=actor, pk=self.kwargs["pk"])
        context.update(
            target=target,
            may_manage=services.may_manage(actor=actor, target=target),
            role_form=kwargs.get("role_form")
            or RoleChangeForm(
                actor=actor,
                target=target,
                initial={"role": target.role, "agency": getattr(target.membership_or_none, "agency", None)},
            ),
            deactivate_form=kwargs.get("deactivate_form") or DeactivateForm(),
            history=AuditEntry.objects.filter(subject_user=target).select_related("actor")[:50],
        )
        return context


class _UserActionView(RoleRequiredMixin, View):
    required_actions = USER_MANAGERS

    def rerender(self, request, pk: int, **forms):
        view = UserDetailView()
        view.setup(request, pk=pk)
        return render(request, view.template_name, view.get_context_data(**forms), status=400)


class UserRoleChangeView(_UserActionView):
    def post(self, request, pk: int):
        target = selectors.user_get_for(actor=request.user, pk=pk)
        form = RoleChangeForm(request.POST, actor=request.user, target=target)
        if form.is_valid():
            try:
                services.user_role_change(user=target, changed_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Role changed."))
                return redirect("accounts:user-detail", pk=pk)
        return self.rerender(request, pk, role_form=form)


class UserDeactivateView(_UserActionView):
    def post(self, request, pk: int):
        target = selectors.user_get_for(actor=request.user, pk=pk)
        form = DeactivateForm(request.POST)
        if form.is_valid():
            try:
                services.user_active_set(user=target, active=False, changed_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("User deactivated and signed out everywhere."))
                return redirect("accounts:user-detail", pk=pk)
        return self.rerender(request, pk, deactivate_form=form)


class UserReactivateView(_UserActionView):
    def post(self, request, pk: int):
        target = selectors.user_get_for(actor=request.user, pk=pk)
        try:
            services.user_active_set(user=target, active=True, changed_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("User reactivated."))
        return redirect("accounts:user-detail", pk=pk)


# Your own account: sessions and reminders ---------------------------------------------------------


class SessionListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = selectors.session_list(user=self.request.user)
        context["current_key"] = self.request.session.session_key
        try:
            context["tokens_url"] = reverse("accounts:token-list")
        except Exception:  # noqa: BLE001 - the API tokens page is another issue's; link it once it exists
            context["tokens_url"] = None
        return context


class SessionEndView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            services.session_end(user=request.user, session_id=pk)
        except UserSession.DoesNotExist as missing:
            raise Http404 from missing
        messages.success(request, _("Session ended."))
        return HttpResponseRedirect(reverse("accounts:session-list"))


class NotificationPreferenceView(LoginRequiredMixin, View):
    template_name = "accounts/notifications.html"

    def get(self, request):
        form = NotificationPreferenceForm(instance=selectors.notification_preferences_get(user=request.user))
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            services.notification_preferences_set(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your choices are saved."))
            return redirect("accounts:notifications")
        return render(request, self.template_name, {"form": form}, status=400)


class InvitationResendView(RoleRequiredMixin, View):
    """A new link for an invitation not accepted yet (lost, expired or withdrawn); the old one stops."""

    required_actions = USER_MANAGERS

    def post(self, request, pk: int):
        invitation = selectors.invitation_get_for(actor=request.user, pk=pk)
        try:
            services.invitation_resend(invitation=invitation, resent_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": invitation.email})
        return redirect("accounts:user-list")


class UserPasswordResetView(_UserActionView):
    """A manager sends one of its users a link to choose a new password (never sees or sets it)."""

    def post(self, request, pk: int):
        target = selectors.user_get_for(actor=request.user, pk=pk)
        try:
            services.password_reset_send(user=target, sent_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("A link to choose a new password was sent to %(email)s.") % {"email": target.email}
            )
        return redirect("accounts:user-detail", pk=pk)


# Account recovery: Django's password views, with our forms, pages and a rate limit -----------------

# A reset link costs an e-mail: from one client address, a few an hour (more is a script), and to one
# address fewer still (a mailbox is not flooded). Counted in the default cache, per process.
RESET_LIMIT_PER_CLIENT = 10
RESET_LIMIT_PER_EMAIL = 3
RESET_WINDOW_SECONDS = 3600


def _over_limit(key: str, limit: int) -> bool:
    """Count one more use of `key` in the current window; True once it exceeds `limit`."""
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr: this is the window's first use
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        return False


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail address. Known or not, the answer is the same page."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form):
        if _over_limit(f"vrs:reset:client:{client_ip(self.request)}", RESET_LIMIT_PER_CLIENT):
            response = error_page(
                self.request,
                status=429,
                message=_("Too many reset links were asked for from here. Wait an hour, then try again."),
            )
            response["Retry-After"] = str(RESET_WINDOW_SECONDS)
            return response
        email = form.cleaned_data["email"].strip().lower()
        if not _over_limit(f"vrs:reset:email:{email}", RESET_LIMIT_PER_EMAIL):
            form.save()
        # Over the address's limit, nothing more is sent, and the answer is still the same page.
        return redirect(self.success_url)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetChooseView(auth_views.PasswordResetConfirmView):
    """Where the e-mailed link leads: choose a new password. A used or expired link is gone (410)."""

    template_name = "accounts/password_reset_choose.html"
    form_class = PasswordResetSetForm
    success_url = reverse_lazy("accounts:password-reset-complete")

    def render_to_response(self, context, **kwargs):
        if not context.get("validlink"):
            return error_page(
                self.request,
                status=410,
                message=_(
                    "This password reset link has been used, has expired or was replaced by a newer one. "
                    "Ask for a new link on the sign-in page."
                ),
            )
        return super().render_to_response(context, **kwargs)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in user changes their password; their other sessions end (Django's session hash)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed. Your other sessions are signed out."))
        return response
