"""Rebuild every return's fact tables from the incident tables."""

from django.core.management.base import BaseCommand

from analytics.services import facts_rebuild_all


class Command(BaseCommand):
    help = "Rebuild all fact tables of the dashboards from the validated incident records."

    def handle(self, *args, **options) -> None:
        result = facts_rebuild_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the facts of {result.returns} returns ({result.incidents} validated records) "
                f"in {result.seconds:.1f} s."
            )
        )
