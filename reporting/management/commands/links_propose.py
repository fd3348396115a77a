"""manage.py links_propose: propose links between records of two participants now (docs/links.md),
in this process or, with --queue, on a Celery worker."""

import datetime as dt

from django.core.management.base import BaseCommand

from reporting.linking.services import links_propose
from reporting.tasks import links_propose_task


class Command(BaseCommand):
    help = "Propose links between records of two participants that may describe the same venture."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=dt.date.fromisoformat, help="records detected since (YYYY-MM-DD)")
        parser.add_argument("--queue", action="store_true", help="send the job to a Celery worker")

    def handle(self, *args, since: dt.date | None, queue: bool, **options):
        if queue:
            links_propose_task.delay(since=since.isoformat() if since else None)
            self.stdout.write("queued")
            return
        result = links_propose(since=since)
        self.stdout.write(f"{result.proposed} links proposed between {result.participant_pairs} pairs of participants")
