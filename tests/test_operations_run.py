"""A clean stop: SIGTERM or SIGHUP to `make run` (scripts/run.sh) stops the web server, the
worker (warm shutdown) and beat, and leaves no process behind. Each run is started in its
own session, so every process it ever started is found by its session id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

READY = "Pigment is running at"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_members(sid: int) -> list[str]:
    """Processes of session `sid` still alive (zombies excepted): "pid command" strings."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(f"{stat.parent.name} {text[text.index('(') + 1:text.rindex(')')]}")
    return found


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('run') / 'db.sqlite3'}"


@pytest.mark.parametrize(("command", "sig"), [
    (["make", "--no-print-directory", "run"], signal.SIGTERM),  # a process manager stops make
    (["bash", "scripts/run.sh"], signal.SIGHUP),  # its terminal was closed
])
def test_a_signal_stops_the_web_server_worker_and_beat(command, sig, sqlite_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "MAKEFLAGS")}
    env |= {"DATABASE_URL": sqlite_url, "PORT": str(_free_port()), "MEDIA_ROOT": str(tmp_path / "media")}
    run = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(run.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 180
        while not any(READY in line for line in output) and run.poll() is None:
            assert time.monotonic() < deadline, "".join(output[-30:])
            time.sleep(0.2)
        assert run.poll() is None, "".join(output[-30:])
        # Wait until the worker and beat are really up: a stop during start-up proves less.
        while not (any(" ready." in line for line in output)
                   and any("beat: Starting" in line for line in output)):
            assert time.monotonic() < deadline, "".join(output[-30:])
            time.sleep(0.2)
        assert len(session_members(run.pid)) >= 4  # the script, web server, worker, beat

        run.send_signal(sig)
        run.wait(timeout=30)
        reader.join(10)
        for _ in range(50):  # the last children are reaped just after the script exits
            if not session_members(run.pid):
                break
            time.sleep(0.1)
        assert session_members(run.pid) == [], "".join(output[-30:])
        text = "".join(output)
        assert "Stopping the web server, the worker and beat..." in text
        assert "warm shutdown" in text.lower()
    finally:
        for pid in [int(p.split()[0]) for p in session_members(run.pid)]:
            os.kill(pid, signal.SIGKILL)  # only if the test failed: never leave them running
