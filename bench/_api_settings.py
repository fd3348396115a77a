"""Settings of the API benchmark's gunicorn (bench/api.py): the project's base settings with debug
off, plus the bare Django view the DRF list is compared with (bench/_api_site.py)."""

from config.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench._api_site"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
