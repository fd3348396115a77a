"""The embedded default: SQLite, Celery tasks in-process, debug pages on."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# The demo's focal points and secretariat sign in with the printed password alone; two-factor
# sign-in is offered to everyone (docs/security.md). OTP_REQUIRED=true tries the production flow.
os.environ.setdefault("OTP_REQUIRED", "false")

from .base import *  # noqa: E402, F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # serve straight from static/ without collectstatic
WHITENOISE_USE_FINDERS = True
