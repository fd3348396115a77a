"""Participant names in the reader's language (issue 19, item 9): one property, used wherever a
participant is named."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Participant, Role, User, participant_local_name
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in French or Arabic leave that language active in this thread (tests/i18n/conftest.py)."""
    yield
    translation.activate("en")


def _named(participant: Participant, **names) -> Participant:
    Participant.objects.filter(pk=participant.pk).update(**names)
    participant.refresh_from_db()
    return participant


def test_a_state_is_named_by_its_iso_country_name_in_the_readers_language():
    state = factories.participant(code="NZL", country="NZL")
    for language, name in (("en", "Participant NZL"), ("fr", "Nouvelle-Zélande"), ("ar", "نيوزيلاندا")):
        with translation.override(language):
            assert state.local_name == name
            assert str(state) == f"{name} (NZL)"


def test_a_name_given_by_the_secretariat_wins_over_the_iso_name():
    state = _named(factories.participant(code="KOR", country="KOR"), name_fr="République de Corée")
    with translation.override("fr"):
        assert state.local_name == "République de Corée"
    with translation.override("ar"):
        assert state.local_name == "كوريا، جمهوريّة كوريا"  # none given in Arabic: the ISO name


def test_an_organisation_has_the_names_it_is_given_and_its_english_name_otherwise():
    org = _named(factories.participant(code="PIDC", kind=Participant.Kind.ORGANISATION), name_ar="جماعة المحيط")
    with translation.override("ar"):
        assert org.local_name == "جماعة المحيط"
    with translation.override("fr"):
        assert org.local_name == "Participant PIDC"
    assert participant_local_name(name="X", country="", names={"fr": "Y"}, language="fr-ca") == "Y"


def test_pages_name_the_owner_of_a_record_in_the_readers_language(client):
    story = factories.ReciprocityStory()
    _named(story.partner, country="NZL")
    reader = story.users["home_analyst"]
    client.force_login(reader)
    record = story.records["partner_shared"]
    for language, name in (("fr", "Nouvelle-Zélande"), ("ar", "نيوزيلاندا")):
        User.objects.filter(pk=reader.pk).update(language=language)
        detail = client.get(reverse("reporting:incident-detail", args=[record.pk])).content.decode()
        assert f"<h1>{name} — {record.national_reference}</h1>" in detail
        listing = client.get(reverse("reporting:incident-list")).content.decode()
        assert name in listing and "Participant PAR" not in listing


def test_the_api_gives_the_stored_name_and_the_readers(settings):
    factories.participant(code="NZL", country="NZL")
    api = token_client(factories.user(role=Role.SECRETARIAT, participant=None))
    body = api.get(reverse("api:participant-detail", kwargs={"code": "nzl"}), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert (body["name"], body["local_name"]) == ("Participant NZL", "Nouvelle-Zélande")
