"""gunicorn's configuration for Pigment's web servers: `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be overridden from the environment (see the README, "In production")."""

import multiprocessing
import os

wsgi_app = "clinic.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers per core (and one more) is gunicorn's usual starting point for a Django app
# that waits on PostgreSQL; WEB_CONCURRENCY sets it per machine.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request longer than this is killed and logged (a slow page must not hold a worker).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then: a slow leak never grows for weeks.
max_requests = 2000
max_requests_jitter = 200
# Behind a reverse proxy on the same machine by default; list the proxy's address otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app once in the master: workers fork with it ready (faster start, less memory).
preload_app = True

# One JSON line per request on stdout. %(U)s is the path WITHOUT the query string: searches
# carry clients' names there. Pigment's own request log (clinic.logs) adds user and role.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = (
    '{"logger": "gunicorn.access", "time": "%(t)s", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, "request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own messages as JSON lines too (Pigment's formatter); the access lines above
# are JSON already and are written as they are.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clinic.logs.JsonFormatter"}, "raw": {"format": "%(message)s"}},
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
