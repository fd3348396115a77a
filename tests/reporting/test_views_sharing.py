"""My standing, who sees whom, who read our data, withholding data from a partner."""

import pytest
from django.urls import reverse

from reporting.models import AccessEvent, ReciprocityPolicy, SharingExclusion
from reporting.reciprocity import record_access
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_v1(db):
    ReciprocityPolicy.objects.get_or_create(version=1)


@pytest.fixture
def story():
    return factories.ReciprocityStory()


def test_standing_of_a_contributing_participant_says_why_and_until_when(client, story):
    client.force_login(story.users["home_contributor"])
    body = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "Contributing: 3 returns submitted" in body
    assert "3 (3 needed)" in body
    assert "Holds until" in body
    assert "The rule in plain words" in body


def test_standing_of_a_lapsed_participant_lists_the_months_to_submit(client, story):
    client.force_login(story.users["lapsed_analyst"])
    response = client.get(reverse("reporting:standing-detail"))
    body = response.content.decode()
    standing = response.context["standing"]
    assert not standing.contributing
    assert "Not contributing: 0 returns submitted" in body
    assert "Submit 3 more of these returns" in body
    for month in standing.missing_months:
        assert f"{month:%B %Y}" in body
    assert "Holds until" not in body


def test_standing_of_a_suspended_participant(client, story):
    client.force_login(story.users["suspended_focal_point"])
    assert "the participant is suspended" in client.get(reverse("reporting:standing-detail")).content.decode()


def test_matrix_shows_every_pair_with_standing_and_exclusions(client, story):
    client.force_login(story.users["secretariat"])
    response = client.get(reverse("reporting:sharing-matrix"))
    matrix = response.context["matrix"]
    cells = {
        (row.viewer.code, p.code): cell.state
        for row in matrix.rows
        for p, cell in zip(matrix.participants, row.cells, strict=True)
    }
    assert cells[("HOM", "PAR")] == "granted"
    assert cells[("HOM", "LAP")] == "granted"
    assert cells[("HOM", "WIT")] == "excluded"
    assert cells[("HOM", "SUS")] == "none"  # a suspended owner is read by no one
    assert cells[("LAP", "PAR")] == "none"  # a lapsed reader reads no one
    assert cells[("HOM", "HOM")] == "self"
    assert not matrix.drift.changed
    body = response.content.decode()
    assert "withheld by the owner" in body and "Not contributing: the participant is suspended." in body


def test_matrix_reports_drift(client, story):
    from accounts.models import ParticipantGroupObjectPermission

    ParticipantGroupObjectPermission.objects.filter(content_object=story.partner, group=story.home.group).delete()
    client.force_login(story.users["secretariat"])
    response = client.get(reverse("reporting:sharing-matrix"))
    assert response.context["matrix"].drift.granted == {(story.partner.pk, story.home.pk)}
    assert "1 missing, 0 unexpected" in response.content.decode()


def test_access_log_names_the_reader_by_participant_and_role_not_username(client, story):
    reader = story.users["home_analyst"]
    record_access(user=reader, incidents=[story.records["partner_shared"]], via=AccessEvent.Via.DETAIL)
    record_access(user=story.users["partner_focal_point"], incidents=[story.records["home_shared"]], via="list")
    client.force_login(story.users["partner_focal_point"])
    response = client.get(reverse("reporting:accessevent-list"))
    body = response.content.decode()
    assert [e.user_id for e in response.context["page"].object_list] == [reader.pk]  # own reads left out
    assert "Participant HOM" in body and "Analyst" in body and "Record page" in body
    assert story.records["partner_shared"].national_reference in body
    assert reader.username not in body


def test_withholding_and_sharing_again(client, story):
    client.force_login(story.users["partner_focal_point"])
    url = reverse("reporting:exclusion-list")
    response = client.post(url, {"partner": story.lapsed.pk, "withhold": "1", "reason": "pending MoU"})
    assert response.status_code == 302
    exclusion = SharingExclusion.objects.get(owner=story.partner, partner=story.lapsed)
    assert exclusion.reason == "pending MoU" and exclusion.created_by == story.users["partner_focal_point"]
    page = client.get(url).content.decode()
    assert "Your data is now withheld from Participant LAP." in page and "Withheld" in page
    client.post(url, {"partner": story.lapsed.pk, "withhold": "0"})
    assert not SharingExclusion.objects.filter(owner=story.partner, partner=story.lapsed).exists()


def test_bad_exclusion_input_changes_nothing_and_says_every_problem(client, story):
    client.force_login(story.users["partner_focal_point"])
    response = client.post(reverse("reporting:exclusion-list"), {"partner": story.partner.pk, "withhold": "maybe"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose one of the other participants." in body
    assert "Select a valid choice" in body
    assert not SharingExclusion.objects.filter(owner=story.partner).exists()


def _named(user, first, last, email):
    user.first_name, user.last_name, user.email = first, last, email
    user.save(update_fields=["first_name", "last_name", "email"])
    return user


def test_suspended_participant_is_told_the_secretariat_reinstates_it(client, story):
    _named(story.users["secretariat"], "Sam", "Secretariat", "sam@secretariat.example")
    client.force_login(story.users["suspended_focal_point"])
    body = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "Only the secretariat reinstates a participant" in body
    assert "sam@secretariat.example" in body
    assert "more of these returns" not in body and "to regain access" not in body
    records = client.get(reverse("reporting:incident-list")).content.decode()
    assert "What to submit to regain access" not in records
    assert "Why, what comes next and whom to contact" in records


def test_invited_participant_is_told_what_comes_next(client):
    from accounts.models import Participant, Role

    invited = factories.participant(status=Participant.Status.INVITED)
    _named(factories.user(role=Role.SECRETARIAT), "Sam", "Secretariat", "sam@secretariat.example")
    client.force_login(factories.user(role=Role.FOCAL_POINT, participant=invited))
    body = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "What comes next: the secretariat records its acceptance of the terms" in body
    assert "sam@secretariat.example" in body and "more of these returns" not in body


def test_lapsed_participant_users_are_told_whom_to_contact(client, story):
    _named(story.users["lapsed_focal_point"], "Lea", "Point", "lea@lapsed.example")
    client.force_login(story.users["lapsed_analyst"])
    body = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "Your focal point submits the monthly returns. Contact them:" in body
    assert "Lea Point" in body and "lea@lapsed.example" in body
    client.force_login(story.users["lapsed_focal_point"])
    body = client.get(reverse("reporting:standing-detail")).content.decode()
    assert "As focal point, you submit the monthly returns" in body
    assert reverse("reporting:return-list") in body
