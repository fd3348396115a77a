"""Settings of the load benchmark's gunicorn (bench/load.py): the project's base settings (every
middleware, CSP enforced), debug off, static files served by WhiteNoise from the source folders
(no collectstatic in a benchmark run)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
