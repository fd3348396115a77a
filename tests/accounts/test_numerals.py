"""Numbers in the reader's digits (issue 19, item 9): Arabic-Indic in Arabic, by one filter; references
and codes stay Latin."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, User
from accounts.numerals import LocalisedInt, digits_localise, numbering_system
from reporting.models import Incident, ReciprocityPolicy
from tests import factories


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in Arabic leave Arabic active in this thread (tests/i18n/conftest.py)."""
    yield
    translation.activate("en")


def _render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load i18n %}" + source).render(Context(context))


def test_arabic_follows_cldrs_arabic_indic_digits_and_the_others_latin_ones():
    assert [numbering_system(language) for language in ("ar", "ar-iq", "fr", "en")] == ["arab", "arab", "latn", "latn"]
    with translation.override("ar"):
        number = digits_localise(1234567)
        assert isinstance(number, LocalisedInt) and number == 1234567 and str(number) == "١٬٢٣٤٬٥٦٧"
        assert digits_localise(Decimal("1234.5")) == "١٬٢٣٤٫٥"
        assert digits_localise("<5") == "<٥"
        assert digits_localise(None) is None and digits_localise(True) is True
    with translation.override("fr"):
        assert str(digits_localise(1234567)) == "1\xa0234\xa0567"
    assert str(digits_localise(1234567, language="en")) == "1,234,567"


def test_the_filter_serves_counts_plural_forms_and_dates():
    source = (
        "{{ n|digits }}|{% blocktranslate count n=n|digits %}{{ n }} day left{% plural %}{{ n }} days left"
        '{% endblocktranslate %}|{{ day|date:"Y-m-d"|digits }}|{{ reference }}'
    )
    context = {"n": 3, "day": dt.date(2026, 12, 7), "reference": "AUS-202612-000004"}
    assert _render(source, "en", **context) == "3|3 days left|2026-12-07|AUS-202612-000004"
    assert _render(source, "ar", **context) == "٣|بقيت ٣ أيام|٢٠٢٦-١٢-٠٧|AUS-202612-000004"
    assert _render("{{ n|digits }} {% numbering %}", "ar", n=1) == "١ arab"
    assert _render('<body data-numbering="{% numbering %}">', "fr") == '<body data-numbering="latn">'


@pytest.mark.django_db
def test_arabic_pages_print_counts_and_dates_in_arabic_digits_and_references_in_latin(client):
    with time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False):
        ReciprocityPolicy.objects.get_or_create(version=1)
        home = factories.participant(code="HOM", joined_on=dt.date(2024, 1, 1))
        factories.submitted_returns(home, (2, 3, 4))
        for n in range(12):
            factories.incident_for(home, months_ago=1, submitted_return=False, status=Incident.Status.SUBMITTED,
                                   national_reference=f"HOM-2026-{n:04d}")  # fmt: skip
        focal_point = factories.user(role=Role.FOCAL_POINT, participant=home)
        User.objects.filter(pk=focal_point.pk).update(language="ar")
        client.force_login(focal_point)
        page = client.get("/").content.decode()
        assert '<html lang="ar" dir="rtl">' in page and '<body data-numbering="arab">' in page
        assert '<span class="figure">١٢</span>' in page  # records waiting for validation
        assert "٢٠٢٦-٠٦-١٥" in page  # May's return, due on 15 June
        assert re.search(r">HOM-2026-00\d\d</a>", page)
        listing = client.get(reverse("reporting:incident-list")).content.decode()
        assert "١–١٢" in listing and ">HOM-2026-0003</a>" in listing
        User.objects.filter(pk=focal_point.pk).update(language="en")
        page = client.get("/").content.decode()
        assert '<span class="figure">12</span>' in page and "2026-06-15" in page
