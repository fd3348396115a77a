"""manage.py rescan_personal_data: screen every record, history version and comment again with the
current screening; report what it flags and, with --redact, redact it (reporting/services/redaction.py).

The report says where and what kind, never the text itself, so its output can be kept in a log."""

from collections import Counter

from django.core.management.base import BaseCommand

from reporting.services.redaction import leaks_find, leaks_redact


class Command(BaseCommand):
    help = (
        "Screen every record, history version and comment with the current personal-data screening; "
        "report the hits and, with --redact, replace them with a redaction marker (audited)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--redact", action="store_true", help="redact what is found (default: report only)")
        parser.add_argument(
            "--include-overridden",
            action="store_true",
            help="also redact text a focal point let through with an override (reported either way)",
        )
        parser.add_argument("--incident", type=int, action="append", help="only this record (repeatable)")

    def handle(self, *args, redact: bool, include_overridden: bool, incident: list[int] | None, **options):
        leaks = list(leaks_find(incident_ids=incident))
        for leak in leaks:
            note = " (under an override)" if leak.overridden else ""
            self.stdout.write(f"{leak}{note}")
        where = Counter(leak.where for leak in leaks)
        records = len({leak.incident_id for leak in leaks})
        self.stdout.write(
            f"Found {len(leaks)} text(s) that look like personal data in {records} record(s): "
            f"{where['record']} in records, {where['version']} in history versions, {where['comment']} in comments; "
            f"{sum(leak.overridden for leak in leaks)} under an override."
        )
        if not redact:
            if leaks:
                self.stdout.write("Nothing changed. Run again with --redact to redact them.")
            return
        done = leaks_redact(leaks=leaks, include_overridden=include_overridden)
        self.stdout.write(
            self.style.SUCCESS(
                f"Redacted {len(done)} record(s): {sum(r.versions for r in done)} version(s), "
                f"{sum(r.comments for r in done)} comment(s), {sum(r.record for r in done)} live record(s) changed."
            )
        )
