"""No English left on the pages of the data-entry journey and the dashboards in French or Arabic
(issue 10): every English string of the catalogue that is shown on a page must appear translated.

The check takes each English msgid of the French catalogue (long enough to be distinctive) and looks
for it in the page's text; an untranslated string, or one built outside gettext from a translated
piece, shows up here with its page."""

import re
from functools import cache
from html import unescape

import pytest
from django.conf import settings

from accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = {
    Role.CONTRIBUTOR: [
        "/",
        "/records/",
        "/records/new/",
        "/records/glossary/",
        "/records/standing/",
        "/records/returns/",
        "/records/imports/",
        "/accounts/notifications/",
        "/accounts/tokens/",
        "/accounts/sessions/",
    ],
    Role.FOCAL_POINT: ["/", "/records/returns/", "/records/exclusions/", "/records/access-log/", "/accounts/users/"],
    Role.ANALYST: ["/analytics/", "/analytics/records/"],
    Role.SECRETARIAT: [
        "/records/console/",
        "/records/console/participants/",
        "/records/console/terms/",
        "/records/console/policy/",
        "/records/console/coverage/",
        "/records/console/audit/",
        "/records/sharing/",
    ],
}


@cache
def _english_strings() -> list[str]:
    path = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    found = []
    for match in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', path.read_text(), re.M):
        msgid = "".join(re.findall(r'"(.*)"', match.group(1))).replace('\\"', '"')
        if len(msgid) >= 14 and "%" not in msgid and "<" not in msgid and "\\n" not in msgid:
            found.append(msgid)
    return found


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_pages_have_no_english_left(client, language):
    participant = factories.participant()
    incident = factories.incident_for(participant)
    pages = {**PAGES, Role.CONTRIBUTOR: [*PAGES[Role.CONTRIBUTOR], f"/records/{incident.pk}/"]}
    leftovers = []
    for role, urls in pages.items():
        user = factories.user(role=role, participant=participant)
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            text = _text(response.content.decode())
            leftovers += [(url, s) for s in _english_strings() if s in text]
    assert not leftovers, leftovers[:20]
