"""One settings module, driven by the environment (see .env.example)."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# The test run (pytest) gets throwaway keys; everything else must set them.
TESTING = "pytest" in sys.modules
DEBUG = env.bool("DEBUG", default=False)
# `make run`: the product as in production (DEBUG off, its own Chinese error pages) on this
# machine, over plain HTTP, with the development keys and the static files read in place.
DEMO = env.bool("DEMO", default=False)
LOCAL = DEBUG or TESTING or DEMO

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not LOCAL:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production-0123456789"

# Sensitive personal information (docs/security.md): AES-GCM keys (base64 of 32 bytes; the
# first encrypts, the others still decrypt during a rotation) and the keyed-hash key.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="")
if not (FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY):
    if not LOCAL:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY must be set.")
    FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or ["ZGV2ZWxvcG1lbnQta2V5LW5ldmVyLWluLXByb2R1Y3Q="]
    FIELD_HASH_KEY = FIELD_HASH_KEY or "development-hash-key-never-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "config.apps.AxesConfig",
    "simple_history",
    "import_export",
    "django_tasks",
    "config.apps.TasksConfig",
    "csp",
    "django_otp",
    "config.apps.TOTPConfig",
    "teams",
    "households",
    "ledgers",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "teams.middleware.chinese_unless_chosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login except those marked @login_not_required (config/urls.py lists
    # them; tests/test_url_scoping.py pins the list).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "teams.middleware.no_store_when_logged_in",
    "django_otp.middleware.OTPMiddleware",
    "teams.middleware.require_two_factor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.replica.pin_after_writes",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.device",
            ],
        },
    },
]

# DATABASE_URL unset: the embedded SQLite file, the zero-set-up default of `make run`.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A streaming replica of the primary (docs/deploy.md): the read-only pages read from it
# (config/replica.py); tests point it at the test database of the primary (MIRROR).
if REPLICA_DATABASE_URL := env("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url_config(REPLICA_DATABASE_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
#: How long after saving a user's reads stay on the primary, which the replica may lag.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
# Two-factor login (TOTP apps): required for county, city and province offices, superusers and
# the admin site; township staff may enrol. Secrets are never shown again after enrolment.
OTP_TOTP_ISSUER = "乡镇帮扶工作组"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions live in the database, so any number of app servers can share them.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# A township account may choose 在此设备上保持登录 at login: its session then lasts this many
# days, browser closed or not (office accounts keep two-factor and browser-close sessions).
REMEMBER_LOGIN_DAYS = env.int("REMEMBER_LOGIN_DAYS", default=30)
# Days what a form's browser keeps on the device (drafts of what was typed) may stay there;
# everything is removed at logout.
LOCAL_DATA_DAYS = env.int("LOCAL_DATA_DAYS", default=7)

# Failed logins are counted per username and IP together, so one person's typos do not lock
# out a whole township office behind one shared address.
# Before the hard lockout, a growing wait: after LOGIN_DELAY_FROM_FAILURE failures the next try
# waits LOGIN_DELAY_SECONDS, doubling with each further failure (teams.forms.LoginForm).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
LOGIN_DELAY_FROM_FAILURE = env.int("LOGIN_DELAY_FROM_FAILURE", default=3)
LOGIN_DELAY_SECONDS = env.int("LOGIN_DELAY_SECONDS", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address (teams.addresses.client_ip): REMOTE_ADDR, or the X-Real-IP header when
# the request comes from one of TRUSTED_PROXIES (the documented nginx, on 127.0.0.1), which sets
# it from its own $remote_addr. From anyone else the header is ignored: it cannot be forged.
AXES_CLIENT_IP_CALLABLE = "teams.addresses.client_ip"
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if any(name.startswith("AXES_IPWARE_") for name in os.environ):
    # django-ipware is not installed: such a setting would be silently ignored.
    raise ImproperlyConfigured(
        "AXES_IPWARE_* settings have no effect here: behind nginx set TRUSTED_PROXIES=127.0.0.1 "
        "(docs/deploy.md)."
    )

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not LOCAL
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Debug and the demo serve static/ through WhiteNoise as it is, with no collectstatic
# (WhiteNoise's own defaults follow DEBUG alone).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or DEMO
# History is read per record (its id, or its household), never by date across records: the
# date index simple-history puts on every history table only slows every write.
SIMPLE_HISTORY_DATE_INDEX = False

# Uploaded evidence lives outside the web root and is served only through scoped views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# `manage.py backup` writes a database dump and a tar of MEDIA_ROOT here (`make backup`).
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")

TASKS = {
    "default": {
        "BACKEND": env(
            "TASKS_BACKEND",
            default="django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# Security: production defaults, relaxed only for local development.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not LOCAL)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or DEMO else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not LOCAL)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not LOCAL)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Every page, the admin included, runs only the scripts and styles served from static/:
# no inline <script>, <style> or on*= handlers anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Domain settings.
TEAM_MEMBER_LEADER_POST = "书记"
# Work-record attachments: at most this many bytes each (pdf, jpg, png, docx, xlsx).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Stationed cadres (驻镇/驻村) on site fewer days than this in a month count as absent for it;
# absent this many consecutive months is a long absence for which the unit's head answers.
PRESENCE_MIN_DAYS = env.int("PRESENCE_MIN_DAYS", default=20)
PRESENCE_ABSENT_MONTHS = env.int("PRESENCE_ABSENT_MONTHS", default=3)
# A public notice (公示/公告) of identification or exit runs at least this many days.
NOTICE_MIN_DAYS = env.int("NOTICE_MIN_DAYS", default=7)
# A contact cadre carrying more households than this is flagged on the team page.
MAX_HOUSEHOLDS_PER_CADRE = env.int("MAX_HOUSEHOLDS_PER_CADRE", default=10)
# Dashboards above a county (a city's, the province's) read a snapshot of every township's
# figures; once older than this many minutes, the next view asks the worker for a fresh one.
FIGURES_SNAPSHOT_MINUTES = env.int("FIGURES_SNAPSHOT_MINUTES", default=10)
# Photo evidence of ledger visits: the largest upload accepted, in bytes.
LEDGER_PHOTO_MAX_BYTES = env.int("LEDGER_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# Photos one visit may keep (the browser shrinks each to at most 1600 px before sending).
VISIT_MAX_PHOTOS = env.int("VISIT_MAX_PHOTOS", default=9)

# Roster import (households/roster/): files above these limits are refused before parsing;
# rosters with more rows than ROSTER_BACKGROUND_ROWS are written by the task worker.
ROSTER_MAX_BYTES = env.int("ROSTER_MAX_BYTES", default=20 * 1024 * 1024)
ROSTER_MAX_UNCOMPRESSED_BYTES = env.int("ROSTER_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
ROSTER_MAX_ROWS = env.int("ROSTER_MAX_ROWS", default=100_000)
#: The most rows an outside list for a cross-check may have (a province's vehicle register).
CROSSCHECK_MAX_ROWS = env.int("CROSSCHECK_MAX_ROWS", default=2_000_000)
#: ... and bytes: the page takes what a web request may carry, the command up to this.
CROSSCHECK_MAX_BYTES = env.int("CROSSCHECK_MAX_BYTES", default=300 * 1024 * 1024)
# Days an uploaded roster is kept for its report and error workbook; an imported one is deleted
# at once (`manage.py purge_rosters`, run daily, deletes the rest).
ROSTER_FILE_RETENTION_DAYS = env.int("ROSTER_FILE_RETENTION_DAYS", default=7)
# Days the access log (who opened which household's pages) is kept; `manage.py
# purge_access_log`, run daily, deletes older rows. Three years: the campaign's audits look back
# that far (the Cybersecurity Law asks for at least six months of network logs).
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=3 * 365)
# ID numbers registered outside their area that one user may type into forms in an hour.
ID_CLASHES_PER_HOUR = env.int("ID_CLASHES_PER_HOUR", default=5)
ROSTER_BACKGROUND_ROWS = env.int("ROSTER_BACKGROUND_ROWS", default=2000)
