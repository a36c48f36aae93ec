"""Pigment settings: one module, read from the environment (see .env.example).

Development (`make run`) needs no variables at all: embedded SQLite, the filesystem Celery
broker and console e-mail. Production sets DEBUG=false and must then provide SECRET_KEY.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "clinic.apps.PigmentAdminConfig",  # django.contrib.admin with a narrower door
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "clinic",
    "sessions_app",
    "aftercare",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.ClinicTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the signed-in user on history rows written during a request (R16).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.navigation",
            ],
        },
    },
]

# Database: embedded SQLite by default; DATABASE_URL (postgres://...) in tests and production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock when a
    # transaction starts, so two bookings serialise instead of failing half-way; the
    # timeout makes the second writer wait rather than raise "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # A new PostgreSQL connection costs ~10 ms here: keep them (STACK-NOTES).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "signed_in"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # instants are stored in UTC; each clinic shows its own local time
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Bootstrap and its icons come from npm (`npm ci`), never from a CDN or the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default=(
                "django.contrib.staticfiles.storage.StaticFilesStorage"
                if DEBUG
                else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            ),
        )
    },
}
# Clinical photos are private: stored outside any public URL, served by views that check access.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Strict CSP: everything is served by Pigment itself; inline scripts need the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# E-mail (Django 6.1 MAILERS). Console in development; SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pigment <no-reply@pigment.local>")
if env.str("EMAIL_HOST", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("EMAIL_HOST"),
                "port": env.int("EMAIL_PORT", default=587),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Celery: Redis when REDIS_URL is set; otherwise a broker in files under var/ so that
# `make run` needs no server (memory:// would not reach a worker in another process).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes the database connection around every task unless told to
# reuse it; a new PostgreSQL connection costs more than sending a message (STACK-NOTES).
# Reused for up to 1,000 tasks, and checked before each one as Django does per request
# (aftercare.tasks).
CELERY_DB_REUSE_MAX = 1000
# The aftercare dispatcher claims due messages from the database every minute (a plain UTC
# interval: the schedule itself lives in Pigment's tables). `expires` drops ticks that
# waited behind a backlog: the next one does the same work.
CELERY_BEAT_SCHEDULE: dict = {
    "aftercare-dispatch-due-reminders": {
        "task": "aftercare.tasks.dispatch_due_reminders",
        "schedule": 60.0,  # seconds
        "options": {"expires": 50},
    },
}

# SMS (aftercare messages). SMS_BACKEND is a dotted path: aftercare.sms.ConsoleBackend
# (default: printed by the worker), aftercare.sms.FileBackend (one JSON line per message in
# SMS_FILE_PATH) or aftercare.sms.TwilioBackend (needs the three TWILIO_ variables).
SMS_BACKEND = env.str("SMS_BACKEND", default="aftercare.sms.ConsoleBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms" / "messages.jsonl"))
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
if SMS_BACKEND.endswith(".TwilioBackend") and not (
    TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER
):
    raise ImproperlyConfigured(
        "SMS_BACKEND is Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Behind a reverse proxy, the META key of the header holding the client's address (e.g.
# HTTP_X_FORWARDED_FOR); empty (the default) trusts only REMOTE_ADDR. Used by the audit trail.
TRUSTED_PROXY_IP_HEADER = env.str("TRUSTED_PROXY_IP_HEADER", default="")

AUTHENTICATION_BACKENDS = [
    "clinic.auth_backends.EmailOrUsernameBackend",
    "clinic.permissions.RolePermissionBackend",
]

# --- Operations (docs/operations.md): health, heartbeats, backups, object storage, logs -----
# The load balancer probes /health/ over plain HTTP: never redirect it to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Beat writes its heartbeat from its own scheduler; workers from a bootstep (clinic.heartbeat).
CELERY_BEAT_SCHEDULER = "clinic.heartbeat:HeartbeatScheduler"
# Celery logs through LOGGING below (one JSON line per event in production), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# `manage.py backup` encrypts its archive (gpg, AES-256) when this is set.
BACKUP_PASSPHRASE = env.str("BACKUP_PASSPHRASE", default="")
# Clinical photos: the filesystem (MEDIA_ROOT) by default; MEDIA_STORAGE=s3 puts them in an
# S3-compatible bucket, private and encrypted at rest, still served only by Pigment's views.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    from clinic.object_storage import s3_storage

    STORAGES["default"] = s3_storage(
        bucket=env.str("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
        region=env.str("AWS_S3_REGION_NAME", default=""),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
        location=env.str("AWS_LOCATION", default=""),
        encryption=env.str("AWS_S3_SERVER_SIDE_ENCRYPTION", default="AES256"),
    )
elif MEDIA_STORAGE == "filesystem":
    STORAGES["default"]["OPTIONS"] = {"file_permissions_mode": 0o640, "directory_permissions_mode": 0o750}
else:
    raise ImproperlyConfigured("MEDIA_STORAGE is 'filesystem' (the default) or 's3'.")
# One JSON line per event in production; readable lines in development (replaces LOGGING above).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "clinic.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"request_id": {"()": "clinic.logs.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        **LOGGING.get("loggers", {}),  # levels other blocks set for their libraries stay
        # pigment.request logs every request (clinic.logs); these would say it twice.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
MIDDLEWARE[:0] = ["clinic.logs.RequestLogMiddleware", "clinic.health.HealthCheckMiddleware"]
# --- end of Operations -------------------------------------------------------------------------
