"""The admin is no way around the console's participation rules (terms, reason, audit)."""

import pytest
from django.urls import reverse

from accounts.models import Participant, Role, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root", "root@example.org", "correct-horse-battery")
    client.force_login(user)
    return user


def test_admin_offers_no_lifecycle_actions_and_no_deletion(client, superuser):
    participant = factories.participant()
    changelist = client.get(reverse("admin:accounts_participant_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None  # no bulk actions at all, deletion included
    delete = client.post(reverse("admin:accounts_participant_delete", args=[participant.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Participant.objects.filter(pk=participant.pk, status=Participant.Status.ACTIVE).exists()


def test_status_cannot_be_edited_in_the_admin(client, superuser):
    participant = factories.participant()
    page = client.get(reverse("admin:accounts_participant_change", args=[participant.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()


def test_no_audit_source_can_be_edited_in_the_admin_or_the_audit_page(client, superuser):
    from django.contrib import admin

    from accounts.models import AuditEntry, ParticipantStatusChange, SentReminder, TermsAcceptance
    from reporting.models import AccessEvent, GrantChange, IncidentComment, ReciprocityPolicy

    registered = set(admin.site._registry)
    for model in (
        AuditEntry,
        ParticipantStatusChange,
        TermsAcceptance,
        SentReminder,
        AccessEvent,
        GrantChange,
        IncidentComment,
        ReciprocityPolicy,
    ):
        assert model not in registered, model
    # The status history shown inline on a participant is read-only, without add or delete.
    inline = next(i for i in admin.site._registry[Participant].inlines if i.model is ParticipantStatusChange)
    assert inline.can_delete is False and set(inline.readonly_fields) >= {"to_status", "changed_by", "reason"}
    assert client.post(reverse("reporting:console-audit"), {}).status_code in (403, 405)


def test_the_admin_link_is_for_superusers_only(client, superuser):
    assert "Administration" in client.get(reverse("home")).content.decode()
    client.force_login(factories.user(role=Role.SECRETARIAT))  # the console is theirs; the admin shows them nothing
    assert "Administration" not in client.get(reverse("home")).content.decode()
