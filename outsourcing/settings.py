"""Settings for the outsourcing project, one module, every value from the environment.

Defaults are the embedded ones (SQLite, Kombu's filesystem transport, console
mail) so a laptop needs nothing installed; production sets the variables listed
in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import bootstrap_wrapper
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (copied from .env.example by `make`) fills in what the real
# environment does not set; real environment variables always win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The embedded defaults' files: SQLite database, Celery's filesystem queue and beat
# schedule, collected static files, private uploads.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-while-debug-is-on"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base for links in emails and calendar feeds, e.g. https://outsourcing.example.com.
# Unset, it is the address `make run` serves on: HOST and PORT, which the Makefile exports.
_served_at = f"http://{env.str('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}"
SITE_URL = env.str("SITE_URL", default=_served_at).rstrip("/")

# --- HTTPS, cookies and browser protections --------------------------------
# The secure defaults follow DEBUG at import time: on in production, off on a
# laptop (and in the tests, whose .env sets DEBUG on), so runserver and the
# test client never get redirected to HTTPS. Each one can be overridden.
# Behind a proxy that terminates TLS, name the header it sets, e.g.
# DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be 'HEADER,value', "
            "e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# /health/ answers load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A working day, then sign in again; closing the browser ends the session too.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Content-Security-Policy (django-csp): the browser runs and loads only the app's own files.
# It covers the Django admin too: in 5.2 its templates carry no inline scripts or style
# attributes, and its JavaScript styles elements through the CSSOM, which this allows.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "django_filters",
    "outsourcing",
    "vendors",
    "engagements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A read that meets a dropped database connection is retried once; a write gets the
    # "try again" page (outsourcing/middleware.py).
    "outsourcing.middleware.DatabaseBlipMiddleware",
    # Signed-in pages: Cache-Control: private, no-store (outsourcing/middleware.py).
    "outsourcing.middleware.PrivatePagesMiddleware",
    # A write that did not fail drops every cached page fragment (outsourcing/pagecache.py).
    "outsourcing.pagecache.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Shows every time in the viewer's own zone (outsourcing/timezones.py).
    "outsourcing.timezones.ViewerTimeZoneMiddleware",
    # Records the signed-in user on every history row saved during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "outsourcing.urls"
WSGI_APPLICATION = "outsourcing.wsgi.application"

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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection kept between requests is checked before use, so a database restart costs
# one reconnect instead of an error on the first request after it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Seconds before connecting to an unreachable server gives up (libpq's least is 2).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
# A read that meets a dropped connection waits up to this many seconds for the database
# to come back, then is answered as if nothing happened (outsourcing/middleware.py).
DATABASE_RECONNECT_WAIT = env.float("DJANGO_DB_RECONNECT_WAIT", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions live in the database only (Django's default), never in Redis: a session kept
# in a cache outlives a sign-out made while the cache could not be told (a network
# split), and Redis out of reach must not sign anyone out or in.
REDIS_URL = env.str("REDIS_URL", default="")
# Redis out of reach is a cache miss, not an error page: sessions then come from the
# database. Short timeouts (seconds), so a page waits a moment, not a minute.
REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 0.5,
    "SOCKET_TIMEOUT": 0.5,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Seconds a rendered fragment (the dashboard's panels) is kept at most; any change of data
# drops it sooner (outsourcing/pagecache.py). Off without Redis: every process serving
# pages must share the cache for a change in one to reach the others.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60 if REDIS_URL else 0)
# django-redis logs every command it skips to this logger, whose filter in LOGGING keeps
# one warning per outage.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "outsourcing.cache"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): the sixth failed login for a username from one
# IP address locks that username from that address for AXES_COOLOFF_MINUTES.
# Username and IP together, so a stranger guessing someone's password cannot lock
# the real person out of their account from their own machine. The price: one
# machine may try five passwords on each of many usernames; the password
# validators (length, common passwords) are what make that guessing hopeless.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=6)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The address is REMOTE_ADDR: behind a proxy that is the proxy's, and the lock
# then falls back to the username alone (still six tries per cool-off).

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap's CSS and JS from the bootstrap-wrapper package: served by the app, no CDN.
    ("bootstrap", str(bootstrap_wrapper.get_bootstrap_dir())),
]
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

# Contract documents, proposal attachments and compliance evidence live here,
# outside every public path; they are served only by permission-checked views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=10 * 1024 * 1024)
# A file past MAX_UPLOAD_SIZE stops being kept as it arrives, instead of being written
# whole to disk before the form refuses it (outsourcing.uploads.UploadSizeCap).
FILE_UPLOAD_HANDLERS = [
    "outsourcing.uploads.UploadSizeCap",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Outsourcing <outsourcing@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds before an SMTP connection attempt or reply gives up; keeps one send well
# inside OUTBOX_CLAIM_TIMEOUT so a slow server never looks like a crashed sender.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# History is an audit trail: nobody restores or edits it from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------
# Default: Kombu's filesystem transport under var/, so `make run` needs no
# broker. Production and CI point CELERY_BROKER_URL at Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    # Exchange tables; Kombu's default is a "control" folder in the working directory.
    _control_dir = VAR_DIR / "celery" / "control"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A web request queues a task after each save of KPI values: with Redis out of
    # reach it gives up after this many seconds, not the system's TCP timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1}
# Seconds Celery waits for the broker when it connects (the web request tries once, see
# engagements.tasks.recompute_kpis_on_commit; workers keep retrying).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
# Saving KPI values recomputes that KPI's periods and the scorecard right after the
# commit (engagements.tasks.recompute_kpis_on_commit). Inline runs it in the request
# that saved, so the next page shows it: the default with the filesystem broker (`make
# run`). Otherwise a worker does it moments later, and the request only queues it.
ROLLUP_INLINE = env.bool("ROLLUP_INLINE", default=CELERY_BROKER_URL.startswith("filesystem://"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Times are UTC; jobs that follow a person's own time zone run hourly and pick
# the people whose local hour has come.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "schedule-checkins": {
        "task": "engagements.tasks.schedule_checkins",
        "schedule": crontab(minute=5, hour="*/6"),
    },
    "rollup-kpis": {
        "task": "engagements.tasks.rollup_kpis",
        "schedule": crontab(minute=15),
    },
    "queue-reminders": {
        "task": "engagements.tasks.queue_reminders",
        "schedule": crontab(minute=0),
    },
    "send-outbox": {
        "task": "engagements.tasks.send_outbox",
        "schedule": crontab(minute="*/2"),
    },
    # Hourly, so work starts on its day in any time zone and a missed run catches up.
    "activate-planned": {
        "task": "engagements.tasks.activate_planned",
        "schedule": crontab(minute=10),
    },
    # Hourly too: a contract rolls on the first run after its renewal date has passed.
    "renew-contracts": {
        "task": "engagements.tasks.renew_contracts_due",
        "schedule": crontab(minute=20),
    },
}

# --- Product rules kept in settings --------------------------------------
# Rows on one page of every list (vendors, candidates, engagements, worklists…).
PAGE_SIZE = 25
# A risk at or above this score (likelihood x impact) is "above appetite".
RISK_APPETITE_SCORE = env.int("RISK_APPETITE_SCORE", default=12)
# A KPI red for this many periods in a row opens a performance review.
REVIEW_AFTER_RED_PERIODS = env.int("REVIEW_AFTER_RED_PERIODS", default=3)
# A scorecard under this (0-100) opens a performance review.
REVIEW_BELOW_SCORECARD = env.int("REVIEW_BELOW_SCORECARD", default=60)
# How far ahead check-ins are generated from each plan's cadence.
CHECKIN_HORIZON_DAYS = env.int("CHECKIN_HORIZON_DAYS", default=42)
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
# Days ahead the dashboard, its worklists and the weekly digest look, the same for each.
EVIDENCE_EXPIRY_WINDOW_DAYS = env.int("EVIDENCE_EXPIRY_WINDOW_DAYS", default=30)
NOTICE_DEADLINE_WINDOW_DAYS = env.int("NOTICE_DEADLINE_WINDOW_DAYS", default=60)

# --- Outbox (reminder emails) ----------------------------------------------
# Tries per email before it is marked "failed" (the admin can send it again).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Seconds after which an email still "sending" counts as abandoned by a crashed
# worker and is claimed again. Must stay well above EMAIL_TIMEOUT.
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=10 * 60)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Every record is printed once, by the root's console handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {"()": "outsourcing.logs.ClientErrorsWithoutTraceback"},
        "once_per_outage": {"()": "outsourcing.logs.OncePerOutage"},
    },
    # runserver's access log, as Django's default logging has it (configuring "django"
    # below resets its children, django.server among them).
    "formatters": {"django.server": {**DEFAULT_LOGGING["formatters"]["django.server"]}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {**DEFAULT_LOGGING["handlers"]["django.server"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Without handlers of its own: Django's default console handler (with DEBUG) printed
        # each record a second time, beside the root's. Its mail_admins handler goes too;
        # ADMINS is not set, so it sent nothing.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {**DEFAULT_LOGGING["loggers"]["django.server"]},
        # A 403 or 400 is one line; a 500 keeps its traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # Redis out of reach (django-redis, above): one warning per outage, not per request.
        "outsourcing.cache": {"filters": ["once_per_outage"]},
    },
}
