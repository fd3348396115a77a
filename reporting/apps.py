from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef
        from django.db.models.signals import post_migrate

        from accounts.models import MEMBERSHIP_ANNOTATIONS
        from reporting import receivers  # noqa: F401 - connects the signal handlers
        from reporting.models import RecordOwner
        from reporting.reciprocity import reader_owners_function_install

        # Read with a user's membership: whether its participant owns records (reciprocity.visible_incidents).
        MEMBERSHIP_ANNOTATIONS["participant_owns_records"] = lambda path: Exists(
            RecordOwner.objects.filter(participant_id=OuterRef(f"{path}participant_id"))
        )

        # The read path's database function follows the rule as reciprocity.py states it.
        post_migrate.connect(reader_owners_function_install, sender=self, dispatch_uid="rcp_reader_owners")
