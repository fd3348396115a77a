"""Production: everything from the environment; refuse to start with a default secret."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, CACHE_URL, SECRET_KEY, docs_permissions, env_bool

if not SECRET_KEY or SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment (50 or more random characters): production refuses the default."
    )
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG is on: production never shows debug pages (unset DEBUG).")
if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Set CACHE_URL to a Redis (e.g. redis://redis:6379/1): throttle and lockout counters must be shared by "
        "every web process."
    )
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names: production refuses none or '*'.")

DEBUG = False
# The API's schema and docs page need sign-in unless API_DOCS_PUBLIC=true.
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = docs_permissions(public=env_bool("API_DOCS_PUBLIC", False))  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
