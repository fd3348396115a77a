"""Input shapes of the secretariat's console pages in reporting: policy, code lists, filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Participant
from reporting.console.audit import KINDS
from reporting.forms import PageSizeField
from reporting.models import BorderCrossingPoint, ExchangeRate, ReciprocityPolicy
from reporting.services.sharing import POLICY_FIELDS

DATE = {"type": "date"}


class PolicyForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the new version and shown in the audit trail."),
    )

    class Meta:
        model = ReciprocityPolicy
        fields = [*POLICY_FIELDS, "reason"]


class CrossingPointForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    class Meta:
        model = BorderCrossingPoint
        fields = ["participant", "code", "name", "mode", "latitude", "longitude", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = Participant.objects.exclude(status=Participant.Status.WITHDRAWN)


class AgencyForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    class Meta:
        model = Agency
        fields = ["participant", "name", "kind", "is_active"]


class ExchangeRateForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    class Meta:
        model = ExchangeRate
        fields = ["currency", "month", "usd_per_unit"]
        widgets = {"month": forms.DateInput(attrs=DATE)}
        help_texts = {"month": _("Any day of the month: the rate applies to the whole month.")}

    def clean_month(self):
        return self.cleaned_data["month"].replace(day=1)


class RemindersForm(forms.Form):
    participant = forms.ModelChoiceField(
        label=_("Participant"), queryset=Participant.objects.active().order_by("name"), required=False
    )


class AuditFilterForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("What"), choices=list(KINDS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    actor = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    participant = forms.ModelChoiceField(label=_("Participant"), queryset=Participant.objects.all(), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs=DATE))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs=DATE))
    text = forms.CharField(label=_("Containing"), required=False, max_length=100)
    per_page = PageSizeField(default=100)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class CoverageForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Months shown"), coerce=int, choices=[(6, "6"), (12, "12"), (24, "24")], initial=12, required=False
    )
