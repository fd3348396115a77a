"""`makemessages` with the project's defaults, so that `manage.py makemessages` is the one command.

Run from the project root:  make messages   (or: manage.py makemessages -l fr -l ar && manage.py compilemessages)

The defaults skip what is not the interface (the virtualenv, tests, benchmarks, vendored files,
uploads) and drop obsolete entries, so that the catalogues hold exactly the strings in use;
tests/i18n/test_catalogues.py runs the same command and fails when a catalogue is stale.
"""

from django.core.management.commands import makemessages

IGNORE = [".venv", "node_modules", "bench", "tests", "docs", "media", "static/vendor", "staticfiles", "*/migrations/*"]
LANGUAGES = ["fr", "ar"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = list(options.get("ignore_patterns") or []) + IGNORE
        options["no_obsolete"] = True
        if not options.get("locale") and not options.get("exclude") and not options.get("all"):
            options["locale"] = LANGUAGES
        return super().handle(*args, **options)
