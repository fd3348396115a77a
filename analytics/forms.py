"""The dashboard filters: period, participants, category, mode and route, read from the URL."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.codes import country_choices
from accounts.models import Participant
from analytics.facts import DashboardFilters, default_filters
from reporting import codes

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class DashboardFilterForm(forms.Form):
    """Every problem is reported at once; an empty form means the last 24 closed months."""

    month_from = forms.DateField(label=_("From month"), required=False, input_formats=["%Y-%m"], widget=MONTH_INPUT)
    month_to = forms.DateField(label=_("To month"), required=False, input_formats=["%Y-%m"], widget=MONTH_INPUT)
    participant = forms.ModelMultipleChoiceField(
        label=_("Participants"), queryset=Participant.objects.active().order_by("code"), required=False
    )
    category = forms.ChoiceField(
        label=_("Conduct category"), choices=[("", _("All"))] + codes.ConductCategory.choices, required=False
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=[("", _("All"))] + codes.Mode.choices, required=False)
    origin = forms.ChoiceField(label=_("Origin"), choices=lambda: [("", _("All"))] + country_choices(), required=False)
    destination = forms.ChoiceField(
        label=_("Destination"), choices=lambda: [("", _("All"))] + country_choices(), required=False
    )

    def __init__(self, data=None, **kwargs):
        # The URL uses short names (from, to); the form's fields cannot be called `from`.
        if data is not None:
            data = data.copy()
            for short, name in (("from", "month_from"), ("to", "month_to")):
                if short in data and name not in data:
                    data[name] = data[short]
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The end month comes before the start month."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month >= 120:
            self.add_error("month_from", _("Choose a period of at most ten years."))
        return cleaned

    def filters(self) -> DashboardFilters:
        default = default_filters()
        data = self.cleaned_data if self.is_valid() else {}
        start: dt.date = data.get("month_from") or default.month_from
        end: dt.date = data.get("month_to") or default.month_to
        return DashboardFilters(
            month_from=start.replace(day=1),
            month_to=end.replace(day=1),
            participant_ids=frozenset(p.pk for p in data.get("participant") or []),
            category=data.get("category", ""),
            mode=data.get("mode", ""),
            origin=data.get("origin", ""),
            destination=data.get("destination", ""),
        )


class DrillForm(forms.Form):
    """What a clicked figure adds to the dashboard filters on the way to its records."""

    context = forms.ChoiceField(choices=[("", "")] + codes.DetectionContext.choices, required=False)
    role = forms.ChoiceField(choices=[("", "")] + codes.SmugglerRole.choices, required=False)
    abuse = forms.ChoiceField(choices=[("", ""), ("any", _("Any abuse"))] + codes.Abuse.choices, required=False)
    group = forms.ChoiceField(choices=[("", "")] + codes.PersonGroup.choices, required=False)
    citizenship = forms.ChoiceField(choices=lambda: [("", "")] + country_choices(), required=False)
    transit = forms.ChoiceField(choices=lambda: [("", "")] + country_choices(), required=False)
    # A route's link in the Sankey without transit countries, and routes whose ends are not reported.
    direct = forms.ChoiceField(choices=[("", ""), ("1", _("No transit country"))], required=False)
    origin_unknown = forms.ChoiceField(choices=[("", ""), ("1", _("Origin not reported"))], required=False)
    destination_unknown = forms.ChoiceField(choices=[("", ""), ("1", _("Destination not reported"))], required=False)
    document_type = forms.ChoiceField(choices=[("", "")] + codes.DocumentType.choices, required=False)
    fraud_type = forms.ChoiceField(choices=[("", "")] + codes.FraudType.choices, required=False)
    issuer = forms.ChoiceField(choices=lambda: [("", "")] + country_choices(), required=False)
    q = forms.CharField(label=_("Words in the narrative"), max_length=100, required=False)

    def drill(self) -> dict[str, str]:
        return {k: v for k, v in (self.cleaned_data if self.is_valid() else {}).items() if v}
