"""The project's copies of Django's widget templates (templates/django/forms/widgets/, with
accounts/templatetags/widgets.py) write exactly the HTML Django's own templates write: the same
forms, rendered by the site's renderer and by Django's, compared byte for byte."""

import datetime as dt

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from accounts.codes import country_choices, currency_choices

CHOICES = [
    ("", "---------"),
    ("a&b", 'Quote " and <tag>'),
    (3, gettext_lazy("Status")),
    ("safe", mark_safe("<b>bold</b>")),
    ("Group & co", [("x", "Ex"), ("y", "Why")]),
]


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"data-x": 'a"b<c', "autofocus": True, "hidden": False}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "step": mark_safe("0&1")}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hidden = forms.CharField(widget=forms.HiddenInput)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    flag = forms.BooleanField(required=False)
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)
    country = forms.ChoiceField(choices=country_choices, required=False)
    currency = forms.ChoiceField(choices=currency_choices, required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))


def _html(form: forms.Form) -> str:
    parts = []
    for field in form:
        parts.append(str(field))
        parts.extend(str(sub.tag()) for sub in field.subwidgets if hasattr(sub, "tag"))  # as the entry form does
    return "\n".join(parts)


DATA = [
    {},
    {
        "text": "<script>&",
        "number": "7",
        "day": "2025-03-01",
        "hidden": '"x"',
        "area": "line\n<two>",
        "flag": "on",
        "one": "3",
        "many": ["a&b", "y"],
        "boxes": ["safe", "x"],
        "radio": "a&b",
        "country": "AUS",
        "currency": "EUR",
        "password": "p&w",
    },
]


def test_the_site_renders_forms_with_its_own_widget_templates():
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    assert "django.forms" in settings.INSTALLED_APPS
    template = get_default_renderer().get_template("django/forms/widgets/select.html")
    assert str(settings.BASE_DIR / "templates") in str(template.origin.name)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
@pytest.mark.parametrize("data", DATA, ids=["unbound", "bound"])
def test_widgets_write_the_html_django_writes(language, data):
    with override(language):
        ours = _html(EveryWidget(data or None, initial={"day": dt.date(2025, 1, 2)}))
        django = _html(EveryWidget(data or None, initial={"day": dt.date(2025, 1, 2)}, renderer=DjangoTemplates()))
    assert ours == django
    assert 'value="a&amp;b"' in ours and "&lt;tag&gt;" in ours and "<b>bold</b>" in ours  # escaped where due
    if data:
        assert 'value="&lt;script&gt;&amp;"' in ours and 'value="3" selected' in ours


def test_the_record_forms_write_the_html_django_writes(db):
    from reporting.forms import BreakdownFormSet, DocumentFormSet, IncidentForm, TransitFormSet
    from tests import factories

    participant = factories.participant()
    written = []
    for renderer in (None, DjangoTemplates()):
        data = {"fee_currency": "USD", "categories": ["migrant_smuggling"], "origin_country": "LKA"}
        html = _html(IncidentForm(data, participant=participant, renderer=renderer))
        formsets = ((TransitFormSet, "transits"), (BreakdownFormSet, "breakdowns"), (DocumentFormSet, "documents"))
        for formset, prefix in formsets:
            rows = formset(prefix=prefix, form_kwargs={"renderer": renderer})
            html += str(rows.management_form) + "".join(_html(form) for form in [*rows.forms, rows.empty_form])
        written.append(html)
    assert written[0] == written[1]
    assert "<option" in written[0] and 'type="checkbox"' in written[0]
