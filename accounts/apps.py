from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Participants and users")

    def ready(self):
        from accounts import checks, signin  # noqa: F401 - connects the sign-in audit and the deploy checks
