"""Operations timings (run by hand, not in CI): /health/, `manage.py status`, and a backup
and restore of a database with photos.

    createdb -h 127.0.0.1 -U postgres pigment_bench      # a throwaway database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pigment_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/operations.py [--photos 200]

Migrates and seeds the demo (idempotent), adds `--photos` JPEG files of about 300 KB to the
media folder (a temporary one), then measures: /health/ through Django's test client (median
and 95th percentile of 200, with each check's own connection); the status report (median of
20); `backup.create` unencrypted and encrypted (time and size); and a restore of the encrypted
archive into a new database `<name>_restore_bench` and a new media folder, which is dropped
afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as WebClient  # noqa: E402

from clinic import backup  # noqa: E402
from clinic.system_status import collect  # noqa: E402


def timed(fn, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run it against PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    media = Path(tempfile.mkdtemp(prefix="pigment-bench-media-"))
    settings.MEDIA_ROOT = media
    (media / "clinical" / "1").mkdir(parents=True)
    for i in range(args.photos):
        (media / "clinical" / "1" / f"{i:05d}.jpg").write_bytes(os.urandom(300_000))

    web = WebClient()
    web.get("/health/")
    health = timed(lambda: web.get("/health/"), 200)
    print(f"/health/: median {statistics.median(health):.1f} ms, "
          f"p95 {statistics.quantiles(health, n=20)[-1]:.1f} ms (200 requests)")
    report = timed(collect, 20)
    print(f"status report: median {statistics.median(report):.1f} ms")

    work = Path(tempfile.mkdtemp(prefix="pigment-bench-backup-"))
    for name, passphrase in (("plain", ""), ("encrypted", "bench passphrase")):
        started = time.perf_counter()
        manifest = backup.create(work / f"{name}.tar", passphrase=passphrase)
        seconds = time.perf_counter() - started
        size = (work / f"{name}.tar").stat().st_size / 1024 / 1024
        print(f"backup ({name}): {seconds:.2f} s, {size:.1f} MB, "
              f"{sum(manifest['row_counts'].values())} rows, {len(manifest['media'])} files")

    target = f"{connection.settings_dict['NAME']}_restore_bench"
    base = ["psql", "-X", "-q", "-h", connection.settings_dict["HOST"] or "127.0.0.1",
            "-U", connection.settings_dict["USER"] or "postgres", "-d", "postgres", "-c"]
    subprocess.run([*base, f'DROP DATABASE IF EXISTS "{target}"'], check=True)
    subprocess.run([*base, f'CREATE DATABASE "{target}"'], check=True)
    s = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{target}",
           "MEDIA_ROOT": str(work / "restored-media"), "BACKUP_PASSPHRASE": "bench passphrase"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "restore", str(work / "encrypted.tar"), "--noinput"],
                   cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
    print(f"restore (encrypted, new process, checks included): {time.perf_counter() - started:.2f} s")
    subprocess.run([*base, f'DROP DATABASE "{target}" WITH (FORCE)'], check=True)


if __name__ == "__main__":
    main()
