"""Benchmark of the aftercare outbox (run by hand, never in CI).

Times dispatching N due messages (default 10,000 e-mails: claim, queue, render, hand over to
an SMTP server, mark sent) through a real Celery worker, against N no-op Celery tasks on the
same Redis and the same worker, and prints the ratio. The SMTP server is a local sink started
by the benchmark (`--channel sms` hands text messages to the file backend instead).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/aftercare_bench.py [--messages 10000] [--concurrency 2] [--channel sms]

It creates and drops its own database (<name>_aftercare_bench) and empties (FLUSHDB) the Redis
database named in REDIS_URL: give it one that holds nothing else.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (prefork)")
    parser.add_argument("--channel", choices=["email", "sms"], default="email")
    parser.add_argument("--worker-log", help="write the worker's INFO log here (default: none)")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark runs on both.")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from aftercare import services
    from aftercare.models import Reminder, ReminderStatus
    from clinic.celery import app
    from tests.aftercare_helpers import make_due_reminders, redis_flushdb

    db = settings.DATABASES["default"]
    db["TEST"]["NAME"] = f"{db['NAME']}_aftercare_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    redis_flushdb()
    worker = None
    try:
        print(f"Writing {args.messages:,} due messages ({args.channel})...", flush=True)
        ids = make_due_reminders(args.messages, channel=args.channel)
        if args.channel == "email":
            sink = SMTPSink()
            provider = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "false"}
        else:
            sink = None
            provider = {"SMS_BACKEND": "aftercare.sms.FileBackend",
                        "SMS_FILE_PATH": f"/tmp/aftercare-bench-{os.getpid()}.jsonl"}
        worker = start_worker(args.concurrency, database_url(db), args.worker_log, provider)
        noop_task = "bench.aftercare_tasks.noop"
        run(lambda: publish(app, noop_task, 200), app)  # warm-up: worker ready, imports done

        noop_seconds = run(lambda: publish(app, noop_task, args.messages), app)
        dispatch_seconds = []
        outbox_seconds = run(lambda: dispatch_seconds.append(timed(services.dispatch_due)), app)
        sent = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count()
        assert sent == len(ids), f"only {sent} of {len(ids)} sent"
        if sink is not None:
            assert sink.received == len(ids), f"the SMTP server got {sink.received} of {len(ids)}"
            sink.shutdown()
        else:
            Path(provider["SMS_FILE_PATH"]).unlink()

        n = args.messages
        what = "e-mails (SMTP)" if args.channel == "email" else "SMS (file)"
        print(f"\nWorker: prefork, concurrency {args.concurrency}; broker {settings.REDIS_URL}")
        print(f"{n:,} no-op tasks:             {noop_seconds:7.2f} s  ({n / noop_seconds:5.0f}/s)")
        print(f"{n:,} aftercare {what:<14} {outbox_seconds:7.2f} s  ({n / outbox_seconds:5.0f}/s), "
              f"of which the dispatcher's claim + queue {dispatch_seconds[0]:.2f} s")
        print(f"Ratio aftercare / no-op: {outbox_seconds / noop_seconds:.2f}")
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        redis_flushdb()
        connection.creation.destroy_test_db(db["NAME"], verbosity=0)


def database_url(db: dict) -> str:
    auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(concurrency: int, url: str, log: str | None, provider: dict) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, **provider}
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the worker's
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "clinic", "worker", "--pool", "prefork",
         "--concurrency", str(concurrency), "--include", "bench.aftercare_tasks",
         "--loglevel", "INFO" if log else "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
    )


class SMTPSink(socketserver.ThreadingTCPServer):
    """A local SMTP server that accepts every message and counts it (the "provider")."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPSession)
        self.port = self.server_address[1]
        self.received = 0
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def count(self) -> None:
        with self._lock:
            self.received += 1


class _SMTPSession(socketserver.StreamRequestHandler):
    def setup(self) -> None:
        super().setup()
        # Answer at once (no Nagle delay on these small replies), as a real server does.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                while (data := self.rfile.readline()) and data != b".\r\n":
                    pass
                self.server.count()
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


def publish(app, name: str, n: int) -> None:
    with app.producer_or_acquire() as producer:
        for _ in range(n):
            app.send_task(name, producer=producer)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(start, app) -> float:
    """Seconds from calling `start` until the queue is empty and nothing is unacknowledged
    (tasks acknowledge after they finish: acks_late)."""
    began = time.perf_counter()
    start()
    with app.connection() as conn:
        redis = conn.default_channel.client
        while redis.llen("celery") or redis.hlen("unacked"):
            time.sleep(0.02)
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
