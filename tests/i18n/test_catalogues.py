"""The CI check of the translations (issue 10): fails when a string is untranslated or a catalogue is stale.

It runs the project's `makemessages` (accounts/management/commands/makemessages.py) into a copy of
locale/, so that the strings in the code today are merged with the committed translations, then:
- French must translate every string, with nothing fuzzy (a changed English string leaves a fuzzy guess);
- Arabic must translate every string of the interface, with nothing fuzzy;
- the committed django.po must already hold exactly those strings (nothing new, nothing obsolete);
- the committed django.mo must be the compiled django.po (compilemessages was run).

To fix a failure: `make messages`, translate what `msgattrib --untranslated --only-fuzzy` lists in
locale/fr and locale/ar, then `make messages` again (it compiles), and commit locale/.
"""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import services_required

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("fr", "ar")

# In CI (REQUIRE_SERVICES=1) a missing gettext fails the check instead of skipping it (.ci/run installs it).
pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None and not services_required(), reason="GNU gettext is not installed"
)


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as fh:
        catalog = dict(gettext.GNUTranslations(fh)._catalog)
    catalog.pop("", None)  # the header: dates differ from one run to the next
    return catalog


def _compile(po: Path, mo: Path) -> dict:
    subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True, capture_output=True)
    return _catalog(mo)


def _msgids(po: Path, *flags: str) -> list[str]:
    """msgids of the entries msgattrib selects (e.g. --untranslated), header left out."""
    out = subprocess.run(
        ["msgattrib", "--no-wrap", "--no-obsolete", *flags, str(po)], check=True, capture_output=True, text=True
    ).stdout
    ids = [line[len('msgid "') : -1] for line in out.splitlines() if line.startswith('msgid "')]
    return [i for i in ids if i]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """locale/ as `makemessages` would leave it now: committed translations merged with today's strings."""
    # makemessages writes each file's strings to the locale/ folder above it, so it runs in a tree of
    # links to the project's folders with a copy of locale/: the committed catalogues stay untouched.
    root = tmp_path_factory.mktemp("project")
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in {"locale", ".git", ".venv"}:
            (root / entry.name).symlink_to(entry)
    copy = root / "locale"
    shutil.copytree(LOCALE, copy)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setattr(settings, "LOCALE_PATHS", [copy])
        call_command("makemessages", symlinks=True, verbosity=0)
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(fresh, language):
    po = fresh / language / "LC_MESSAGES" / "django.po"
    untranslated = _msgids(po, "--untranslated")
    fuzzy = _msgids(po, "--only-fuzzy")
    assert not untranslated, f"{len(untranslated)} string(s) untranslated in {language}: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} string(s) changed in English, translation to check in {language}: {fuzzy[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogue_is_not_stale(fresh, language):
    committed = set(_msgids(LOCALE / language / "LC_MESSAGES" / "django.po"))
    current = set(_msgids(fresh / language / "LC_MESSAGES" / "django.po"))
    new = sorted(set(current) - set(committed), key=str)
    obsolete = sorted(set(committed) - set(current), key=str)
    assert not new and not obsolete, (
        f"locale/{language} is stale: run `make messages`. New: {new[:10]}; gone: {obsolete[:10]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language, tmp_path):
    folder = LOCALE / language / "LC_MESSAGES"
    assert (folder / "django.mo").exists(), f"locale/{language}/LC_MESSAGES/django.mo is missing: run `make messages`"
    expected = _compile(folder / "django.po", tmp_path / "expected.mo")
    assert _catalog(folder / "django.mo") == expected, (
        f"locale/{language} django.mo is older than django.po: run `make messages`"
    )


@pytest.mark.django_db
def test_a_page_in_french_and_in_arabic(client):
    """The catalogues are used: the sign-in page speaks the chosen language, right to left in Arabic."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page and "Se connecter" in page and "Nom d’utilisateur" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page


def test_glossary_uses_the_protocols_wording():
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("Smuggling of migrants") == "Trafic illicite de migrants"
        assert translation.gettext("Illegal entry") == "Entrée illégale"
    with translation.override("ar"):
        assert translation.gettext("Smuggling of migrants") == "تهريب المهاجرين"
        assert translation.gettext("Illegal entry") == "الدخول غير المشروع"
