"""`make prod-check`: Pigment as production runs it, end to end, on this machine.

Runs deploy/Procfile's release step, then its web (gunicorn), worker and beat processes with
DEBUG off against PostgreSQL and Redis; books a session through the web as the front desk
(behind a TLS proxy, as in production); waits for the worker to send the booking's aftercare
message after beat's tick; checks /health/, `manage.py status` and that the logs are JSON
without the client's name; and stops the processes with SIGTERM, expecting each to exit
cleanly and leave nothing behind. Exits non-zero with the reason on the first failure.

Database and Redis: PROD_CHECK_DATABASE_URL and PROD_CHECK_REDIS_URL (the Makefile sets a
database of its own, dropped and created anew, and Redis database 14)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "prodcheck"
VENV_BIN = ROOT / ".venv" / "bin"
CLIENT_NAME = ("Prodcheck", "Verity-Lovelace")
PASSWORD = "prod-check-" + secrets.token_hex(8)


def fail(message: str) -> None:
    print(f"prod-check: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def say(message: str) -> None:
    print(f"prod-check: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


# --------------------------------------------------------------------------- environment

PORT = free_port()
DATABASE_URL = os.environ.get("PROD_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pigment_prodcheck")
REDIS_URL = os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/14")
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MAKE", "MFLAGS"))},
    "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "STATIC_ROOT": str(WORK / "static"),
    "MEDIA_ROOT": str(WORK / "media"),
    "SMS_BACKEND": "aftercare.sms.FileBackend",
    "SMS_FILE_PATH": str(WORK / "sms.jsonl"),
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "WEB_CONCURRENCY": "2",
    "CELERY_CONCURRENCY": "2",
    "CELERY_BEAT_SCHEDULE_FILE": str(WORK / "celerybeat-schedule"),
}
ENV.pop("BACKUP_PASSPHRASE", None)


def manage(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=ENV, input=stdin,
                            capture_output=True, text=True, timeout=300, check=False)
    if check and result.returncode != 0:
        fail(f"manage.py {' '.join(args)}: {result.stderr.strip()[-2000:]}")
    return result


def fresh_database() -> None:
    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        fail(f"unexpected database name {name!r}")
    psql = ["psql", "-X", "-q", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", "-d", "postgres"]
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run([*psql, "-c", sql], check=True, capture_output=True)
    import redis  # the check's own Redis database, emptied (never FLUSHALL)

    redis.Redis.from_url(REDIS_URL).flushdb()


SEED = f"""
import datetime as dt
from clinic.models import Clinic
from tests.factories import make_clinic, make_staff, make_client, make_plan
clinic = make_clinic(name="Prod-check clinic", slug="prod-check", time_zone="America/Chicago")
if hasattr(Clinic, "staff_second_factor_required"):  # the check signs in with a password only
    Clinic.objects.filter(pk=clinic.pk).update(staff_second_factor_required=False)
desk = make_staff("front_desk", clinic, username="desk", password={PASSWORD!r})
pat = make_staff("practitioner", clinic, username="pat")
client = make_client(clinic, first_name={CLIENT_NAME[0]!r}, last_name={CLIENT_NAME[1]!r},
                     email_consent=False, sms_consent=True, phone="+13125550142")
plan = make_plan(client, quoted_sessions=2)
print(plan.pk, pat.pk)
"""


# --------------------------------------------------------------------------- processes

class Processes:
    def __init__(self):
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, command: str) -> None:
        log = WORK / f"{name}.log"
        self.logs[name] = log
        handle = open(log, "w")  # noqa: SIM115 - kept open by the child
        self.running[name] = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=ROOT, env=ENV, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        say(f"started {name} (pid {self.running[name].pid}): {command}")

    def check_alive(self) -> None:
        for name, proc in self.running.items():
            if proc.poll() is not None:
                fail(f"{name} exited with {proc.returncode}:\n{self.logs[name].read_text()[-3000:]}")

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to each, then wait; returns the exit codes (None: had to be killed)."""
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.running.items():
            try:
                codes[name] = proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                codes[name] = None
        return codes

    def leftovers(self) -> list[str]:
        sids = {proc.pid for proc in self.running.values()}
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            if int(fields[3]) in sids and fields[0] != "Z":
                found.append(f"{stat.parent.name} {text[text.index('(') + 1:text.rindex(')')]}")
        return found


# --------------------------------------------------------------------------- the web, as a browser behind TLS

class Browser:
    """Speaks plain HTTP to gunicorn as the TLS proxy would (X-Forwarded-Proto: https), keeps
    cookies itself (they are Secure) and sends the CSRF token and Origin like a browser."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{PORT}"

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Host": f"127.0.0.1:{PORT}", "X-Forwarded-Proto": "https",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                        "Referer": self.origin + path}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        connection.close()
        return response.status, dict(response.headers), text


def next_open_weekday(days_ahead: int = 3) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days_ahead)
    while day.weekday() == 6:  # the clinic opens Monday to Saturday
        day += dt.timedelta(days=1)
    return day


def wait_for(what: str, probe, timeout: float, processes: Processes) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        if probe():
            return
        time.sleep(1)
    fail(f"timed out waiting for {what}")


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for stale in WORK.glob("*"):
        if stale.is_file():
            stale.unlink()
    procs = procfile()
    say(f"database {DATABASE_URL}, Redis {REDIS_URL}, web on 127.0.0.1:{PORT}")
    fresh_database()
    release = subprocess.run(["bash", "-c", procs["release"]], cwd=ROOT, env=ENV, capture_output=True,
                             text=True, timeout=600, check=False)
    if release.returncode != 0:
        fail(f"release: {release.stderr[-2000:]}")
    plan_id, pat_id = manage("shell", "-v", "0", stdin=SEED).stdout.split()

    processes = Processes()
    try:
        processes.start("web", procs["web"])
        processes.start("worker", procs["worker"])
        browser = Browser()

        def healthy() -> bool:
            try:
                return browser.request("GET", "/health/")[0] == 200
            except OSError:
                return False

        wait_for("/health/ to answer 200", healthy, 60, processes)
        status, _, page = browser.request("GET", "/accounts/login/")
        if status != 200 or "csrftoken" not in browser.cookies:
            fail(f"the sign-in page answered {status}")
        signed_in = {"username": "desk", "password": PASSWORD}
        status, headers, _ = browser.request("POST", "/accounts/login/", signed_in)
        if status != 302 or "sessionid" not in browser.cookies:
            fail(f"signing in as the front desk answered {status}")
        day = next_open_weekday()
        status, headers, page = browser.request("POST", f"/desk/plans/{plan_id}/book/", {
            "practitioner": pat_id, "date": day.isoformat(), "time": "10:00", "length": "180", "number": "1",
        })
        if status != 302:
            fail(f"booking answered {status}: {re.findall(r'alert[^>]*>([^<]+)', page)[:3]}")
        say(f"booked session 1 for {day} 10:00 through the web (as the front desk)")

        # The booking planned its reminder two days before; bring it due now, then let beat's
        # first tick dispatch it to the worker.
        moved = manage("shell", "-v", "0", stdin=(
            "from django.utils import timezone; import datetime as dt\n"
            "from aftercare.models import Reminder\n"
            f"rows = Reminder.objects.filter(session__plan_id={plan_id}, channel='sms')\n"
            "print(rows.update(due_at=timezone.now() - dt.timedelta(minutes=1)))\n"
        )).stdout.strip()
        if moved != "1":
            fail(f"expected one planned SMS reminder for the booking, found {moved}")
        processes.start("beat", procs["beat"])

        def sent() -> bool:
            out = manage("shell", "-v", "0", "-c", "from aftercare.models import Reminder; "
                         f"print(Reminder.objects.get(session__plan_id={plan_id}, channel='sms').status)")
            return out.stdout.strip() == "sent"

        wait_for("the worker to send the aftercare message", sent, 120, processes)
        handed = [json.loads(line) for line in (WORK / "sms.jsonl").read_text().splitlines()]
        say(f"the worker sent the reminder (SMS provider got {len(handed)} message)")
        wait_for("beat's heartbeat", lambda: manage("status", check=False).returncode == 0, 60, processes)
        report = json.loads(manage("status", "--json").stdout)
        if not [w for w in report["workers"] if w["alive"]]:
            fail(f"manage.py status sees no live worker: {report}")
        say(f"manage.py status: OK (beat ticked {report['beat']['age_seconds']} s ago, "
            f"{len(report['workers'])} worker(s) seen)")
    finally:
        codes = processes.stop()
    say(f"stopped with SIGTERM: exit codes {codes}")
    if any(code != 0 for code in codes.values()):
        fail(f"a process did not stop cleanly: {codes}")
    if left := processes.leftovers():
        fail(f"processes left running: {left}")
    logs = {name: path.read_text() for name, path in processes.logs.items()}
    for name, text in logs.items():
        for part in CLIENT_NAME:
            if part in text:
                fail(f"the {name} log holds the client's name")
    requests = [json.loads(line) for line in logs["web"].splitlines()
                if line.startswith("{") and '"pigment.request"' in line]
    if not any(r["route"] == "/desk/plans/<int:plan_id>/book/" and r["status"] == 302 for r in requests):
        fail("the web log has no JSON line for the booking")
    if "warm shutdown" not in logs["worker"].lower():
        fail("the worker did not report a warm shutdown")
    say("logs are JSON lines without the client's name; web, worker and beat stopped cleanly. OK")


if __name__ == "__main__":
    main()
