"""GET /health/ for load balancers and uptime monitors: 200 when the database and the
broker answer, 503 naming the part that failed. Each check has its own connection with a
one-second timeout and they run side by side, so a dead part costs about a second, not a
hung probe. It reads no session, no user and no clinic data; failures are logged by type
only (a connection error can carry a host name or a password)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

TIMEOUT_SECONDS = 1
logger = logging.getLogger("pigment.health")


def check_database() -> None:
    connection = connections["default"]
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        params["connect_timeout"] = TIMEOUT_SECONDS
        params["options"] = f"{params.get('options', '')} -c statement_timeout={TIMEOUT_SECONDS * 1000}"
        raw = connection.get_new_connection(params)
        try:
            with raw.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            raw.close()
    else:  # the embedded SQLite of development: a file on this machine
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            connection.close()  # this runs in a short-lived thread


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        try:
            if not client.ping():
                raise ConnectionError("no PONG")
        finally:
            client.close()
    else:  # the filesystem broker of development
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not os.access(folder, os.W_OK):
            raise OSError("broker folder not writable")


CHECKS = {"database": check_database, "broker": check_broker}


def run_checks() -> dict[str, str]:
    """{part: "ok" | "error" | "timeout"}."""
    results: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    try:
        futures = {name: pool.submit(check) for name, check in CHECKS.items()}
        for name, future in futures.items():
            try:
                future.result(timeout=TIMEOUT_SECONDS + 0.5)
                results[name] = "ok"
            except FutureTimeout:
                results[name] = "timeout"
                logger.warning("health check %s timed out", name, extra={"check": name})
            except Exception as error:  # noqa: BLE001 - any failure is a failed part
                results[name] = "error"
                logger.warning("health check %s failed: %s", name, type(error).__name__,
                               extra={"check": name})
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # never wait on a hung check
    return results


class HealthCheckMiddleware:
    """Answers /health/ before the host check and the HTTPS redirect: a load balancer probes
    each server by its address over plain HTTP, with a Host header ALLOWED_HOSTS may not
    list. Nothing else is reached (no session, no user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/health/":
            request.log_route = "/health/"
            return health(request)
        return self.get_response(request)


@require_safe
@never_cache
def health(request):
    results = run_checks()
    failed = [name for name, state in results.items() if state != "ok"]
    body = {**results, "status": "error" if failed else "ok"}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
