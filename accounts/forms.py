"""Input shapes of the console's account pages: participants, terms, users, invitations, preferences."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.codes import country_choices
from accounts.models import Agency, NotificationPreference, Participant, Role, TermsVersion, User
from accounts.roles import role_choices_for


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, with its username's length enforced: Django sets the limit on the field
    after the field's validators are built, so an over-long name reached the lockout's counters (a
    255-character column) and failed there."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))


class ParticipantInviteForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=10, help_text=_("ISO 3166-1 alpha-3 where one exists (e.g. AUS, HKG).")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Participant.Kind.choices)
    region = forms.ChoiceField(label=_("Region"), choices=Participant.Region.choices)
    country = forms.ChoiceField(
        label=_("Country or territory"),
        choices=[("", _("— none (regional organisation) —")), *country_choices()],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") in {Participant.Kind.STATE, Participant.Kind.TERRITORY} and not data.get("country"):
            self.add_error("country", _("A state or territory needs its country or territory code."))
        if data.get("kind") == Participant.Kind.ORGANISATION and data.get("country"):
            self.add_error("country", _("A regional organisation has no country code: leave it empty."))
        code = (data.get("code") or "").strip().upper()
        if code and Participant.objects.filter(code=code).exists():
            self.add_error("code", ValidationError(_("A participant with this code already exists."), code="unique"))
        name = (data.get("name") or "").strip()
        if name and Participant.objects.filter(name__iexact=name).exists():
            self.add_error("name", ValidationError(_("A participant with this name already exists."), code="unique"))
        return data


class TermsPublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text of the terms"), widget=forms.Textarea(attrs={"rows": 12}))
    published_on = forms.DateField(
        label=_("Published on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class TermsAcceptForm(forms.Form):
    terms = forms.ModelChoiceField(
        label=_("Version of the terms"), queryset=TermsVersion.objects.all(), empty_label=None
    )
    accepted_on = forms.DateField(label=_("Accepted on"), widget=forms.DateInput(attrs={"type": "date"}))
    signed_by = forms.CharField(
        label=_("Signed by"),
        max_length=200,
        help_text=_("The official who agreed for the participant, and their title."),
    )


class LifecycleForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    effective_on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))
    participant = forms.ModelChoiceField(
        label=_("Participant"),
        queryset=Participant.objects.exclude(status=Participant.Status.WITHDRAWN),
        required=False,
    )
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.filter(is_active=True), required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["role"].choices = role_choices_for(actor.role)
        if actor.role != Role.SECRETARIAT:
            # A focal point invites into its own participant only: the field is not offered.
            del self.fields["participant"]
            self.fields["agency"].queryset = Agency.objects.filter(participant_id=actor.participant_id, is_active=True)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email, is_active=True).exists():
            raise ValidationError(_("Someone already has an account with this e-mail address."))
        return email

    def clean(self):
        data = super().clean()
        if "participant" not in self.fields:
            data["participant"] = self.actor.participant
        return data


class UserFilterForm(forms.Form):
    """Which users the list shows: the secretariat filters by participant and role, a focal point by role."""

    participant = forms.ModelChoiceField(
        label=_("Participant"), queryset=Participant.objects.order_by("name"), required=False
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", "—"), *Role.choices])

    def __init__(self, *args, actor: User, **kwargs):
        kwargs.setdefault("auto_id", "filter-%s")  # the invitation form on the same page has id_role
        super().__init__(*args, **kwargs)
        if actor.role != Role.SECRETARIAT:
            del self.fields["participant"]


class InvitationAcceptForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=1)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, actor: User, target: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label) for value, label in role_choices_for(actor.role) if value != Role.SECRETARIAT
        ]
        self.fields["agency"].queryset = Agency.objects.filter(participant_id=target.participant_id, is_active=True)


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["return_due", "return_late", "access_lapsing", "record_returned"]


# Account recovery (issue 19): Django's own forms, writing through accounts.services ----------------


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """The sign-in page's "forgot your password": the same answer whether or not the address is known;
    each matching active account gets a link (accounts.services.password_reset_send)."""

    def save(self, **kwargs) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            services.password_reset_send(user=user)


class PasswordResetSetForm(auth_forms.SetPasswordForm):
    """A new password chosen from a reset link."""

    how = "reset"

    def save(self, commit: bool = True) -> User:
        return services.password_set(user=self.user, password=self.cleaned_data["new_password1"], how=self.how)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """A signed-in user's new password, after typing the current one."""

    def save(self, commit: bool = True) -> User:
        return services.password_set(user=self.user, password=self.cleaned_data["new_password1"], how="changed")
