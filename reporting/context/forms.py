"""Input shapes of the national context pages (the services check everything again)."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reporting.context.models import Counted
from reporting.views.records import MonthField


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Language of the text"), choices=settings.LANGUAGES, help_text=_("Readers see it marked as such.")
    )


class ProfileForm(forms.Form):
    valid_from = forms.DateField(
        label=_("In force from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A new version from this day; the one before it ends the day before."),
    )
    agencies = forms.CharField(
        label=_("Agencies that report"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    territory = forms.CharField(
        label=_("Parts of the territory covered"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )  # fmt: skip
    irregular_stay = forms.ChoiceField(label=_("Is irregular stay counted?"), choices=Counted.choices)
    incident_unit = forms.CharField(
        label=_("What counts as one incident"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )  # fmt: skip
    definitions = forms.CharField(
        label=_("Other definitions and remarks"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )  # fmt: skip
    language = _language_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = (get_language() or "en")[:2]


def _month_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "month"}, format="%Y-%m")  # a stored note's months shown as such


class NoteForm(forms.Form):
    month_from = MonthField(label=_("From month"), widget=_month_input())
    month_to = MonthField(
        label=_("To month"), help_text=_("The same month for a note on one month."), widget=_month_input()
    )
    text = forms.CharField(
        label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_('For example: "new maritime patrol from March", "March under-reported: system migration". '
                    "No names or document numbers."),
    )  # fmt: skip
    language = _language_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = (get_language() or "en")[:2]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the note withdrawn?"), max_length=1000, required=False)


class ContextFilterForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Participant"), queryset=None, required=False)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants
