"""Settings for kokudo, driven by the environment.

Nothing here needs to be set for local development (`DEBUG=1` is set by `make run`). In
production set at least SECRET_KEY and ALLOWED_HOSTS; DATABASE_URL selects PostgreSQL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A fixed key is harmless only because DEBUG restricts this to a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "import_export",
    "cases",
]
# The benchmark and its synthetic data (bench/) are for development and CI only: production
# neither installs nor loads them.
if DEBUG or env_bool("KOKUDO_BENCH"):
    INSTALLED_APPS += ["bench"]

MIDDLEWARE = [
    # First: on the way out it sees every cookie and status the others set (kokudo.middleware).
    "kokudo.middleware.SharedCacheGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view, form or the database sees a path or query with control characters or an
    # outsized body; after the middleware above, so that their answers carry the security headers.
    "kokudo.middleware.RejectControlCharactersMiddleware",
    "kokudo.middleware.RequestBodyLimitMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kokudo.middleware.AdminNoStoreMiddleware",
    # Turns a locked-out login into the lockout page (AXES_LOCKOUT_TEMPLATE).
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception sees a view's database error before anything else.
    "kokudo.middleware.DatabaseUnavailableMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "kokudo.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "kokudo.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Server-side parameters let psycopg prepare a statement the fifth time it runs on a
    # connection, so PostgreSQL stops re-planning the pages' fixed queries. Turn off behind a
    # pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

# A streaming replica (docs/scaling.md): the public pages read from it, the admin and anyone who
# has just written read from the primary (kokudo.replicas). Without it everything uses default.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            REPLICA_DATABASE_URL,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        # Tests create their database on the primary only; the replica receives it by streaming.
        "TEST": {"MIRROR": "default"},
    }
    REPLICA_DATABASES = ["replica"]
    DATABASE_ROUTERS = ["multidb.PinningReplicaRouter"]
    # Reads go to the primary for this long after a write by the same browser: longer than any
    # replication lag worth serving through (the replica's lag is milliseconds on one network).
    MULTIDB_PINNING_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "15"))
    MULTIDB_PINNING_COOKIE = "kokudo_primary"
    MULTIDB_PINNING_COOKIE_HTTPONLY = True
    MULTIDB_PINNING_COOKIE_SECURE = not DEBUG
    # Before anything reads the database (sessions, authentication).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "kokudo.replicas.PrimaryForWritersMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Anonymous visitors' CSV exports stop at this many rows (the JSON pages give the rest); signed-in
# users get every matching case. Documented in the README.
CSV_ANONYMOUS_ROW_LIMIT = 5000

# Rendered case pages are cached per catalogue version (CaseDetailView). Set REDIS_URL to share
# one cache between worker processes; without it each process keeps its own, in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kokudo",
            # The cache is an optimisation (cases.cache): a server that does not answer within
            # a second counts as down, and the page is built without it, rather than after
            # redis-py's default wait (5 s in the version locked here).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    ),
    # Each process's own copy of the responses read most (cases.http_cache), in front of the
    # shared cache: a hit costs no round trip. About 13 MB at most (pages are 20-70 kB).
    "responses": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese"))]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# The licence the catalogue applies to its own data (summaries, structure), and the named URL
# of the page that states it and says how to attribute. JSON exports give this page's URL as
# their `license` (cases.metadata.license_url).
DATA_LICENSE = {
    "name": "公共データ利用規約（第1.0版）（PDL1.0）",
    "short_name": "PDL1.0",
    "page": "cases:terms",
}

# Where load_catalogue and export_catalogue read and write the curated data.
CATALOGUE_FIXTURES_DIR = Path(os.environ.get("CATALOGUE_FIXTURES_DIR", BASE_DIR / "fixtures"))

# Security: strict unless DEBUG; each can be relaxed from the environment (e.g. behind a proxy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Served behind the reverse proxy of deploy/nginx.conf, which sets X-Forwarded-Proto and X-Real-IP.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer probes these over plain HTTP (kokudo.health).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Only staff log in: a session lasts a working day and ends with the browser.
SESSION_COOKIE_AGE = 9 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Request bodies. The public pages take no POST; the largest form is a case's change form with
# all its inlines: 伊那市's has 812 fields, 76,592 bytes urlencoded (measured 2026-12-01 by
# tests/kokudo/test_limits.py, which keeps the largest case under a quarter of these caps;
# Django's default of 1,000 fields would be too close). Nothing is uploaded, so the form data
# cap is also the cap on a whole body (RequestBodyLimitMiddleware; nginx's client_max_body_size
# in deploy/nginx.conf matches it).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5_000
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username, or
# from one address, further attempts are refused for AXES_COOLOFF_TIME, the right password too.
# A failed attempt during the lock-out starts the cool-off again. Unlock by hand with
# `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS` (README, "Admin login").
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# lockout.html is the page; axes uses this message where it answers without the template.
AXES_COOLOFF_MESSAGE = _("ログインの失敗が続いたため、しばらくログインできません。")
# Behind the proxy every request comes from 127.0.0.1; the client's address is the one nginx
# puts in X-Real-IP (deploy/nginx.conf), which it overwrites whatever the client sent.
AXES_CLIENT_IP_CALLABLE = "kokudo.middleware.client_ip_address"

# Everything the pages need comes from this site; no inline script. The one exception: map tiles
# (地理院タイル) are images from the GSI tile host (static/js/map.js). The admin sets a few inline
# style attributes, which style-src-attr allows without allowing inline <style> or <script>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https://cyberjapandata.gsi.go.jp"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
