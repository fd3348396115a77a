"""Input shapes of the data-entry pages: the incident form, its row formsets, workflow actions.

Forms check types and codes and say what is wrong in plain words; the business rules (breakdowns
within totals, the return's month, who may do what) are the services' (reporting/services/).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import cache

import pycountry
from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.codes import country_choices, country_names
from accounts.language import month_label
from reporting import codes
from reporting.models import BorderCrossingPoint, Incident
from reporting.screening import Hit
from reporting.services.incidents import ENTRY_FIELDS, SCREENED_FIELDS, screening_messages, screening_refusals

COUNTRY_LIST_ID = "country-list"


def _folded(text: str) -> str:
    """Case and accents folded, so "turkiye" finds "Türkiye"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _countries_by_name(language: str | None = None) -> dict[str, str]:
    """Every name a user may type for a country (the list's name, ISO 3166's short and official
    names, the two-letter code), folded, to its three-letter code. Per language: the list's names
    are in the active language (accounts/codes.py), ISO's English names are always understood."""
    names = country_names()
    found: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_3 not in names:
            continue
        for name in (country.alpha_2, getattr(country, "official_name", ""), country.name):
            if name:
                found.setdefault(_folded(name), country.alpha_3)
    found.update({_folded(name): code for code, name in names.items()})  # the list's own names win
    return found


def country_lookup(value: str) -> str | None:
    """The ISO code for what a user typed: "LKA", "lka", "Sri Lanka", "LKA — Sri Lanka", "Viet Nam"
    (ISO's name where the list says "Vietnam"), "VN"; None when nothing matches."""
    text = (value or "").strip()
    if not text:
        return ""
    names = country_names()
    head = text.split("—")[0].strip().upper()
    if head in names:
        return head
    return _countries_by_name(get_language()).get(_folded(text))


class CountryField(forms.CharField):
    """A country typed with search: a text box offering every name and code (an HTML datalist, so
    it works without JavaScript), stored as the ISO 3166-1 alpha-3 code."""

    default_error_messages = {
        "unknown": _(
            "“%(value)s” is not a country we know. Type a name or a three-letter code and pick it from the list."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": COUNTRY_LIST_ID, "autocomplete": "off", "class": "country", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        code = value if isinstance(value, str) else ""
        name = country_names().get(code.upper()) if code else None
        return f"{code.upper()} — {name}" if name else value

    def to_python(self, value):
        value = super().to_python(value)
        code = country_lookup(value)
        if code is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        return code


def country_datalist() -> list[tuple[str, str]]:
    return [(f"{code} — {name}", name) for code, name in country_choices()]


# Fields a draft may leave empty but a submission needs (marked on the form).
NEEDED_TO_SUBMIT = ("categories", "source", "confidence", "detection_country", "detection_context", "modes")

SECTIONS = (
    (
        "what",
        _("What"),
        ("categories", "protocol_benefit", "national_reference", "agency", "source", "confidence"),
    ),
    (
        "where",
        _("When and where"),
        (
            "detection_date",
            "detection_country",
            "detection_place",
            "latitude",
            "longitude",
            "border_crossing_point",
            "detection_context",
        ),
    ),
    ("how", _("How"), ("modes", "methods")),
    ("route", _("Route"), ("origin_country", "destination_country")),
    ("people", _("People"), ("migrants_total", "smugglers_total", "smuggler_roles")),
    ("money", _("Money"), ("fee_per_person", "fee_currency", "fee_scope", "payment_modality")),
    ("documents", _("Documents"), ()),
    ("harm", _("Harm"), ("dead", "missing", "injured", "rescued", "cause_of_death", "abuses")),
    ("context", _("Context"), ("narrative",)),
)

# Definitions shown beside fields whose model help text is silent (the glossary has them all).
HELP = {
    "categories": _(
        "Every category that applies. Migrant smuggling is procuring, for a financial or other "
        "material benefit, the irregular entry of a person into a state of which they are not a national."
    ),
    "source": _("Where the figures come from: an official record, an investigation, interviews, or an estimate."),
    "confidence": _("How sure you are of the figures: high (counted), medium, low (estimated)."),
    "detection_country": _("The country or territory where the detection happened."),
    "detection_place": _("A port, town, crossing point or sea area. Never an address of a person."),
    "detection_context": _("At a border crossing point, between crossing points, inland, at sea, or on exit."),
    "modes": _("Land, sea and/or air: every mode used on the route."),
    "methods": _("Conveyances and methods, e.g. fishing boat, concealment in a truck, abuse of a visa."),
    "origin_country": _("Where the journey started (usually the migrants' country of departure)."),
    "destination_country": _("Where the migrants meant to go."),
    "migrants_total": _("Smuggled or irregular migrants detected in this incident: detections, not persons."),
    "smugglers_total": _("Facilitators or smugglers detected or arrested."),
    "smuggler_roles": _("Every role found among the smugglers."),
    "fee_per_person": _("What one migrant paid, in the currency paid."),
    "fee_currency": _("The currency of the fee (ISO 4217)."),
    "fee_scope": _("Whether the fee paid for the whole journey or one leg."),
    "payment_modality": _("How and when the fee was paid."),
    "dead": _("People who died in the incident."),
    "missing": _("People missing, presumed dead or unaccounted for."),
    "injured": _("People injured."),
    "rescued": _("People rescued (e.g. at sea)."),
    "cause_of_death": _("The main cause, when anyone died."),
    "abuses": _("Abuses or aggravating circumstances found."),
    "latitude": _("Optional, in decimal degrees (e.g. −12.2).  Give both or neither."),
    "longitude": _("Optional, in decimal degrees (e.g. 123.0)."),
    "agency": _("The national body that reports this detection."),
    "border_crossing_point": _("One of your participant's crossing points, when the detection was at one."),
}


class IncidentForm(forms.ModelForm):
    """The incident record: a draft needs a national reference and a detection date only."""

    detection_country = CountryField(label=_("Detection country"), required=False)
    origin_country = CountryField(label=_("Country of origin"), required=False)
    destination_country = CountryField(label=_("Intended destination"), required=False)
    month = forms.DateField(widget=forms.HiddenInput, required=False)
    screening_override = forms.CharField(
        label=_("Override the personal-data check"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Focal point only: say why the highlighted text holds no personal data (e.g. a street name)."),
    )

    class Meta:
        model = Incident
        fields = ENTRY_FIELDS
        widgets = {
            "detection_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "detection_place": forms.TextInput(),
            "latitude": forms.NumberInput(attrs={"step": "0.00001"}),
            "longitude": forms.NumberInput(attrs={"step": "0.00001"}),
        }

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = participant.agencies.filter(is_active=True)
        self.fields["border_crossing_point"].queryset = BorderCrossingPoint.objects.filter(
            participant=participant, is_active=True
        )
        for name, field in self.fields.items():
            if name in HELP and not field.help_text:
                field.help_text = HELP[name]
            if isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.SelectMultiple):
                field.widget.attrs.setdefault("class", "select")
            field.needed_to_submit = name in NEEDED_TO_SUBMIT
        for name in ("migrants_total", "smugglers_total", "dead", "missing", "injured", "rescued"):
            self.fields[name].widget.attrs.update({"min": "0", "inputmode": "numeric"})
        self.fields["fee_per_person"].widget.attrs.update({"min": "0", "step": "0.01"})

    def clean_detection_date(self):
        day = self.cleaned_data.get("detection_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The detection date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        month, day = data.get("month"), data.get("detection_date")
        if month and day and (day.year, day.month) != (month.year, month.month):
            self.add_error(
                "detection_date",
                _("This record is for the return of %(month)s: give a detection date in that month.")
                % {"month": month_label(month)},
            )
        return data

    def screening_problems(self) -> dict[str, list[Hit]]:
        """The personal-data screening of the free text, run with the field checks (whatever else
        is wrong) so every problem shows at once: each refused field gets its error; the hits are
        returned for highlighting. An override reason typed in lets the text through to the
        service, which checks that the focal point gave it."""
        values = {
            name: (self.cleaned_data.get(name) if name in self.cleaned_data else self.data.get(name)) or ""
            for name in SCREENED_FIELDS
        }
        hits = screening_refusals(values=values, kept=self.instance if self.instance.pk else None)
        if not hits or (self.data.get("screening_override") or "").strip():
            return {}
        for name, errors in screening_messages(hits).items():
            self.add_error(name, errors)
        return hits

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in ENTRY_FIELDS if name in self.cleaned_data}

    def sections(self):
        """(anchor, title, [bound fields]) in the record page's order."""
        return [(anchor, title, [self[name] for name in names]) for anchor, title, names in SECTIONS]


class TransitForm(forms.Form):
    country = CountryField(label=_("Transit country"), required=False)

    def has_changed(self) -> bool:
        # A row is filled by its country alone: the order number the page keeps in step does not count.
        return bool((self.data.get(self.add_prefix("country")) or "").strip()) if self.is_bound else False


class BreakdownForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), choices=codes.PersonGroup.choices, initial=codes.PersonGroup.MIGRANT)
    citizenship = CountryField(label=_("Citizenship"), required=False, help_text=_("Empty if unknown."))
    sex = forms.ChoiceField(label=_("Sex"), choices=codes.Sex.choices, initial=codes.Sex.UNKNOWN)
    age_group = forms.ChoiceField(label=_("Age group"), choices=codes.AgeGroup.choices, initial=codes.AgeGroup.UNKNOWN)
    count = forms.IntegerField(
        label=_("Count"),
        min_value=1,
        error_messages={"min_value": _("A row counts at least one person; remove the row instead.")},
        widget=forms.NumberInput(attrs={"min": "1", "class": "count"}),
    )
    unaccompanied = forms.IntegerField(
        label=_("Unaccompanied"),
        min_value=0,
        required=False,
        initial=0,
        help_text=_("Of whom unaccompanied minors."),
        error_messages={"min_value": _("Cannot be negative.")},
        widget=forms.NumberInput(attrs={"min": "0"}),
    )

    def clean(self):
        data = super().clean()
        unaccompanied, count = data.get("unaccompanied") or 0, data.get("count")
        if unaccompanied and data.get("age_group") != codes.AgeGroup.MINOR:
            self.add_error("unaccompanied", _("Only minors can be unaccompanied minors: set the age group to minor."))
        elif count is not None and unaccompanied > count:
            self.add_error("unaccompanied", _("More unaccompanied minors than the row counts."))
        data["unaccompanied"] = unaccompanied
        return data


class DocumentForm(forms.Form):
    # A blank first choice: with the first code preselected, every untouched row would count as filled
    # in and each saved record would gain a document row nobody entered.
    document_type = forms.ChoiceField(
        label=_("Document type"),
        choices=[("", "---------"), *codes.DocumentType.choices],
        error_messages={"required": _("Choose the type of document.")},
    )
    fraud_type = forms.ChoiceField(
        label=_("Kind of fraud"),
        choices=[("", "---------"), *codes.FraudType.choices],
        error_messages={"required": _("Choose the kind of fraud.")},
    )
    issuing_country = CountryField(label=_("Issuing country"), required=False)
    count = forms.IntegerField(
        label=_("Count"),
        min_value=1,
        initial=1,
        error_messages={"min_value": _("At least one document; remove the row instead.")},
        widget=forms.NumberInput(attrs={"min": "1"}),
    )


class _RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows, in their order, without the removed ones."""
        forms_ = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        forms_ = [f for f in forms_ if not ("country" in f.fields and not f.cleaned_data.get("country"))]
        if self.can_order:
            forms_.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0))
        return [{k: v for k, v in f.cleaned_data.items() if k not in ("DELETE", "ORDER")} for f in forms_]


TransitFormSet = forms.formset_factory(TransitForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True)
BreakdownFormSet = forms.formset_factory(BreakdownForm, formset=_RowFormSet, extra=3, can_delete=True)
DocumentFormSet = forms.formset_factory(DocumentForm, formset=_RowFormSet, extra=1, can_delete=True)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to be fixed"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class SharingForm(forms.Form):
    sharing_level = forms.ChoiceField(label=_("Sharing level"), choices=codes.SharingLevel.choices)
    embargo_until = forms.DateField(
        label=_("Embargo until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Not shared with others before this date. Leave empty for no embargo."),
    )


class NilReturnForm(forms.Form):
    month = forms.DateField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I confirm there was nothing to report for this month"),
        error_messages={"required": _("Tick the box to confirm there was nothing to report.")},
    )

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)


PAGE_SIZES = (25, 50, 100, 200)


class PageSizeField(forms.TypedChoiceField):
    """How many rows a list shows on one page (the record list, the audit trail)."""

    def __init__(self, *, default: int = 50, **kwargs):
        super().__init__(
            label=_("Rows per page"),
            choices=[(n, str(n)) for n in PAGE_SIZES],
            coerce=int,
            required=False,
            empty_value=None,  # the list's own default applies
            initial=default,
            **kwargs,
        )
