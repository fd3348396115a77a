"""Every setting of VRS, read from environment variables (README, "How the code is laid out").

local.py, test.py and production.py override only what differs.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def docs_permissions(*, public: bool) -> list[str]:
    return ["rest_framework.permissions.AllowAny" if public else "rest_framework.permissions.IsAuthenticated"]


# CORE
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # Django's own widget templates, for FORM_RENDERER below
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "reporting",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every answer below WhiteNoise (pages, API, exports, errors): Cache-Control: no-store.
    "reporting.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.language.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # `digits` everywhere without a {% load %}: numbers in the reader's digits (accounts/numerals.py).
            "builtins": ["accounts.templatetags.digits"],
        },
    },
]

# Form widgets render with the project's templates first (templates/django/forms/): its select
# writes each option inline where Django's includes a template per option, which made a list of
# countries or currencies the costliest part of a page (docs/benchmarks.md).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# DATABASES
# DATABASE_URL, e.g. postgres://user@127.0.0.1:5432/vrs; the embedded default is SQLite.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A kept connection is checked before reuse, so one broken by a database restart is replaced
        # instead of failing the next request (tests/resilience/).
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# AUTHENTICATION
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username or address is refused before its password is checked.
    "accounts.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Guardian: no anonymous user row; VRS never grants anything to anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# INTERNATIONALISATION
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC FILES
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# History (django-simple-history): a change's reason is the reason a person gave (a withdrawal, a
# return, a correction), up to the length forms and the API accept, so it is stored as text.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# CACHES
# "default" holds the API's throttle counters and other short-lived keys: per-process memory unless
# CACHE_URL names a Redis, as production requires (config/settings/production.py), so that every
# web process counts against the same budget. "analytics" holds the dashboards' sums and
# rendered charts, keyed on the facts' versions (analytics/facts.py): per process unless
# ANALYTICS_CACHE_URL names a Redis (then web processes share it). A region holds a few hundred
# keys per filter combination: room for thousands, so that culling never drops the live ones.
ANALYTICS_CACHE_URL = os.environ.get("ANALYTICS_CACHE_URL", "")
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "vrs"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "analytics": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ANALYTICS_CACHE_URL}
        if ANALYTICS_CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "vrs-analytics",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    ),
}

# CELERY
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "vrs")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hang a user's request: fail fast, the outbox keeps the work.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}

# REST FRAMEWORK
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.authentication.TokenScopeAllows",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "reporting.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.authentication.TokenOrUserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
    },
    "EXCEPTION_HANDLER": "reporting.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["reporting.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["reporting.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Reverse proxies of our own in front of the site (docs/security.md): 0 reads the client's address
# from REMOTE_ADDR; N > 0 from the N-th address from the right of X-Forwarded-For, which the
# outermost of them wrote. Lockouts and the audit log count against that address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Lockout of API token sign-in: this many failures per token prefix or client address within the
# window lock it for the duration (seconds).
API_LOCKOUT_FAILURES = int(os.environ.get("API_LOCKOUT_FAILURES", "10"))
API_LOCKOUT_WINDOW = int(os.environ.get("API_LOCKOUT_WINDOW", "900"))
API_LOCKOUT_DURATION = int(os.environ.get("API_LOCKOUT_DURATION", "900"))
API_MAX_PAGE_SIZE = int(os.environ.get("API_MAX_PAGE_SIZE", "200"))
# A request body larger than this (bytes) answers 413 before it is read.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
# Import files (issue 5): larger files are refused at once, before their body is read.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
# Days a finished import's uploaded file (and so its downloadable report) is kept; the batch stays.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "VRS API",
    "DESCRIPTION": (
        "Voluntary Reporting System on migrant smuggling and related conduct. Every read follows the "
        "reciprocity rule: a record you may not read answers 404, exactly like a missing one. Errors "
        'always have the body {"errors": [{"field", "code", "message"}]}. Creating requests need '
        "an Idempotency-Key header; changes need If-Match (the record's ETag) or its version."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs page describe the API to anyone unless API_DOCS_PUBLIC is off (production's
    # default): then only signed-in users (by session or token) read them.
    "SERVE_PERMISSIONS": docs_permissions(public=env_bool("API_DOCS_PUBLIC", True)),
    # The docs page runs without the internet: Swagger UI from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "reporting.api.serializers.COUNTRY_CHOICES",
        "CurrencyEnum": "reporting.api.serializers.CURRENCY_CHOICES",
        "IncidentStatusEnum": "reporting.models.Incident.Status",
        "ReturnStatusEnum": "reporting.models.Return.Status",
        "ParticipantStatusEnum": "accounts.models.Participant.Status",
        "ImportStatusEnum": "reporting.models.ImportBatch.Status",
        "ImportModeEnum": "reporting.models.ImportBatch.Mode",
        "ImportUploadModeEnum": "reporting.api.imports.MODES",
        "ImportDateOrderEnum": "reporting.models.ImportBatch.DateOrder",
        "LinkDecisionEnum": "reporting.linking.models.IncidentLink.Decision",
    },
}

# SECURITY
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp), enforced everywhere (local and test too, so a browser test
# catches a violation before production does): no inline script, no inline style, nothing from
# another origin. `data:` images are for Swagger UI's icons and ECharts' exported pictures.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# SIGN-IN (docs/security.md)
# Sessions end after SESSION_IDLE_SECONDS without a request (accounts/middleware.py), and in any
# case SESSION_COOKIE_AGE after sign-in.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MAX_SECONDS", str(12 * 3600)))
# Two-factor sign-in (django-otp, TOTP): roles listed here must enrol before using the site; every
# other user may. OTP_REQUIRED=false (the embedded demo and the test settings) offers it to all and
# requires it of none; `check --deploy` warns when it is off (accounts/checks.py).
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_REQUIRED_ROLES = ["focal_point", "secretariat"]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "VRS")
OTP_RECOVERY_CODES = 10
# Site sign-in lockout (django-axes), with the same numbers as the API token lockout: this many
# failures for one username from one address lock that pair (never the account everywhere, never
# the address for everyone behind it) for API_LOCKOUT_DURATION seconds, doubled at each further
# lock (accounts/signin.py: lockout_cooloff).
AXES_FAILURE_LIMIT = API_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = "accounts.signin.lockout_cooloff"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.signin.lockout_client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (accounts/signin.py); no second copy
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
AXES_VERBOSE = False

# EMAIL
# Console by default (the embedded demo prints mails); production sets EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the SMTP server below.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "vrs@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))  # a hung server must not hold a worker
# Links in e-mails (invitations, reminders) point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))
# (A month's return is due on reporting.models.RETURN_DUE_DAY of the following month.)
# Reminders: how many days before a return is due, and before a participant's access lapses.
REMINDER_DAYS_BEFORE_DUE = int(os.environ.get("REMINDER_DAYS_BEFORE_DUE", "5"))
REMINDER_DAYS_BEFORE_LAPSE = int(os.environ.get("REMINDER_DAYS_BEFORE_LAPSE", "21"))

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
