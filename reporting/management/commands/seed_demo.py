"""manage.py seed_demo: load the synthetic demo data set (the work is in reporting/demo/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.api.demo_tokens import demo_api_tokens_add
from reporting.demo import DEFAULT_INCIDENTS, DEFAULT_SEED, DemoDatabaseNotEmpty, demo_seed
from reporting.demo.people import credentials_table, credentials_write
from reporting.signals import demo_seeded


class Command(BaseCommand):
    help = "Load a synthetic, repeatable demo data set and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same figures")
        parser.add_argument(
            "--incidents", type=int, default=DEFAULT_INCIDENTS, help="how many incidents (1,000,000 loads in minutes)"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing when participants already exist")
        parser.add_argument("--credentials", type=Path, help="also write the logins to this JSON file")
        parser.add_argument(
            "--no-facts",
            action="store_true",
            help="leave derived data (dashboard facts) empty: build it later",
        )

    def handle(
        self, *args, seed: int, incidents: int, if_empty: bool, credentials: Path | None, no_facts: bool, **options
    ):
        if incidents < 0:
            raise CommandError("--incidents cannot be negative.")
        try:
            result = demo_seed(seed=seed, incidents=incidents, if_empty=if_empty, progress=self._progress(incidents))
        except DemoDatabaseNotEmpty as error:
            raise CommandError(f"{error} Use --if-empty to skip, or start from an empty database.") from error
        if result.skipped:
            self.stdout.write("Participants already exist: demo data not loaded (--if-empty).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data (seed {seed}): {result.participants} participants, {result.returns} returns, "
                f"{result.incidents:,} incidents, {result.rows:,} rows in {result.seconds:.1f} s "
                f"({result.rows / max(result.seconds, 1e-9):,.0f} rows/s, {result.method})."
            )
        )
        if not no_facts:
            # The apps that derive data from records (analytics' facts) rebuild it on this signal.
            for _receiver, summary in demo_seeded.send(sender=self.__class__):
                if summary:
                    self.stdout.write(summary)
        self.stdout.write("\nDemo logins (shown once; passwords are new on every load):\n")
        self.stdout.write(credentials_table(result.credentials))
        if credentials:
            credentials_write(credentials=result.credentials, path=credentials)
            demo_api_tokens_add(path=credentials)  # issue #6: each login also gets an API token
            self.stdout.write(f"\nLogins and API tokens written to {credentials}.")

    def _progress(self, total: int):
        if total < 100_000:
            return None
        return lambda done, _total: self.stderr.write(f"  {done:,} / {total:,} incidents", ending="\r")
