"""Pigment settings: one module, read from the environment (see .env.example).

Development (`make run` sets DEBUG=true) needs nothing else: embedded SQLite, the filesystem
Celery broker and console e-mail. DEBUG is off unless set: production must then provide
SECRET_KEY and real e-mail and SMS backends (see "Production defaults" below and README).
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A development checkout's .env (written by `make venv`: DEBUG=true) fills in what the
# environment does not set; ENV_FILE="" reads none (production, and tests of production).
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file)

# --- Production defaults: DEBUG is off unless set; the development key only with DEBUG on ---
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production). Set SECRET_KEY to a long "
            "random value, or DEBUG=true for development (make run does)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
# --- end production defaults ---

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
    "django_otp",  # second factor (R18): see the block "Accounts: second factor, lockout"
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "clinic",
    "sessions_app",
    "aftercare",
    "frontdesk",  # template tags (money_tags)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "clinic.factor_middleware.SecondFactorMiddleware",  # a password alone opens no staff page
    "clinic.throttle_middleware.ThrottleMiddleware",  # password reset, invitation accept
    "clinic.middleware.ClinicTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle logoff: after auth (whose session it is) and messages (it says why it signed out).
    "clinic.idle.IdleLogoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the signed-in user on history rows written during a request (R16).
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with the lockout page
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
    # Staff (and superusers) need at least 12 characters; clients keep Django's 8 above.
    {"NAME": "clinic.passwords.StaffMinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "signed_in"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # instants are stored in UTC; each clinic shows its own local time
USE_I18N = True
# Client-facing pages and messages come in these languages, chosen per client (R20).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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

# Strict CSP: everything is served by Pigment itself; no inline script or style at all.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Production defaults: HTTPS. Each switch can be turned off by environment (a proxy that
# terminates TLS and redirects itself, or sets HSTS itself) ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie (forms carry the token; idle.js gets it from <body>), so
# it is HttpOnly too (the external scan flagged it); set false if a library needs to read it.
CSRF_COOKIE_HTTPONLY = env.bool("CSRF_COOKIE_HTTPONLY", default=True)
if not DEBUG:
    # Only trusted when a proxy sets it: leave empty when Pigment is reached directly.
    _proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="HTTP_X_FORWARDED_PROTO")
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # one year; 0 = off
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # Deliberate opt-outs above must not fail `check --deploy --fail-level WARNING`.
    SILENCED_SYSTEM_CHECKS = [
        check for check, on in [
            ("security.W004", SECURE_HSTS_SECONDS), ("security.W008", SECURE_SSL_REDIRECT),
            ("security.W012", SESSION_COOKIE_SECURE), ("security.W016", CSRF_COOKIE_SECURE),
            ("security.W021", SECURE_HSTS_PRELOAD),  # preloading is the domain owner's opt-in
        ] if not on
    ]
# --- end production defaults (HTTPS) ---

# The site's public address, for links in messages sent without a request (R17 reminders).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

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
    # R20: erased clients' records go once the clinic's retention period is over.
    "clinic-purge-erased-clients": {
        "task": "clinic.tasks.purge_erased_clients",
        "schedule": 24 * 60 * 60.0,
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

# --- Production defaults: development e-mail and SMS backends are refused at start ---
_DEV_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "EMAIL_HOST (SMTP)",
    "django.core.mail.backends.locmem.EmailBackend": "EMAIL_HOST (SMTP)",
    "django.core.mail.backends.filebased.EmailBackend": "EMAIL_HOST (SMTP)",
    "django.core.mail.backends.dummy.EmailBackend": "EMAIL_HOST (SMTP)",
    "aftercare.sms.ConsoleBackend": "SMS_BACKEND=aftercare.sms.TwilioBackend and the TWILIO_ variables",
    "aftercare.sms.FileBackend": "SMS_BACKEND=aftercare.sms.TwilioBackend and the TWILIO_ variables",
}
if not DEBUG:
    for _backend in [m["BACKEND"] for m in MAILERS.values()] + [SMS_BACKEND]:
        if _backend in _DEV_BACKENDS:
            raise ImproperlyConfigured(
                f"{_backend} is a development backend and is refused when DEBUG is off "
                f"(messages would never reach clients). Set {_DEV_BACKENDS[_backend]}."
            )
# --- end production defaults (backends) ---

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
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account before the rest
    "clinic.auth_backends.EmailOrUsernameBackend",
    "clinic.permissions.RolePermissionBackend",
]

# --- Accounts: second factor, lockout and throttling (R18; docs/security.md) -------------
# django-otp: TOTP devices and one-time recovery codes. The issuer is the name people see
# in their authenticator app.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Pigment")
# django-axes: 10 failed sign-ins lock an account, and separately a source address, for 15
# minutes (the sign-in page and the admin's). The address comes from the audit trail's
# function, so TRUSTED_PROXY_IP_HEADER is honoured only when a proxy is configured.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "clinic.audit.client_ip"
AXES_USERNAME_CALLABLE = "clinic.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
# A lock lasts 15 minutes from the 10th failure; tries during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # managers unlock colleagues on the Team page (scoped, recorded)
# Axes logs every attempt at INFO; the audit trail already records them.
LOGGING.setdefault("loggers", {})["axes"] = {"level": env.str("AXES_LOG_LEVEL", default="WARNING")}
# clinic.throttle: the second-factor step, password reset and invitation accept (429 page).
# Counters live in the cache (Redis when REDIS_URL is set, so all web workers share them).
THROTTLE_WINDOW_SECONDS = env.int("THROTTLE_WINDOW_SECONDS", default=15 * 60)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pigment-cache",
        }
    }

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
    "filters": {
        "request_id": {"()": "clinic.logs.RequestIdFilter"},
        "server_errors": {"()": "clinic.logs.ServerErrorFilter"},  # no typed values in tracebacks
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        **LOGGING.get("loggers", {}),  # levels other blocks set for their libraries stay
        # pigment.request logs every request (clinic.logs); these would say it twice.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR", "filters": ["server_errors"]},
    },
}
MIDDLEWARE[:0] = ["clinic.logs.RequestLogMiddleware", "clinic.health.HealthCheckMiddleware"]
# --- end of Operations -------------------------------------------------------------------------

# --- Request limits: oversized or malformed requests get a friendly 413/400 page (clinic.request_limits)
# A form's fields without its files (Django's default, set here so it is a decision).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The widest form is the admin's clinic page (about 70 fields with its opening hours).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# A session log takes at most 12 photos at a time (practice.forms.MAX_PHOTOS_PER_SAVE).
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A whole request body: 12 photos of at most 10 MB (sessions_app.photos.MAX_UPLOAD_BYTES)
# and the form around them. Refused from its Content-Length before anything reads it.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=125 * 1024 * 1024)
MIDDLEWARE.insert(MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
                  "clinic.request_limits.RequestSizeLimitMiddleware")
# --- end of Request limits ------------------------------------------------------------------
