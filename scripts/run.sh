#!/usr/bin/env bash
# `make run`: prepares the development database and starts the web server, the Celery worker
# and Celery beat. Ctrl-C, SIGTERM or SIGHUP stops all three, with their children.
# No DATABASE_URL/REDIS_URL needed: SQLite in db.sqlite3 and a filesystem broker under var/.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
# Development: DEBUG is off unless set (production default); the dev key and console
# e-mail/SMS backends exist only with it on.
export DEBUG=${DEBUG:-true}
PORT=${PORT:-8000}
mkdir -p var

port_open() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null; }
if port_open; then
    echo "run.sh: port $PORT is already in use; choose another with PORT=8001 make run" >&2
    exit 1
fi

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo   # idempotent; prints the demo logins

pids=()
# shellcheck disable=SC2317  # (called through the EXIT trap)
stop_all() {
    trap - INT TERM EXIT
    [ ${#pids[@]} -gt 0 ] || return 0
    echo
    echo "Stopping the web server, the worker and beat..."
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    # Give the worker time for a warm shutdown (it finishes its current task), then insist.
    for _ in $(seq 20); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.5
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP  # a closed terminal: stop everything as Ctrl-C does
trap stop_all EXIT

# Job control puts each process in its own process group (group id = its pid), so one
# kill reaches runserver's autoreload child and anything the worker forks. It also keeps
# Ctrl-C away from them: only this script gets it, and stops them in order.
set -m
"$PY" manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)
.venv/bin/celery -A clinic worker --pool solo --loglevel info &
pids+=($!)
.venv/bin/celery -A clinic beat --loglevel info --schedule var/celerybeat-schedule &
pids+=($!)
set +m

# Wait for the web server to accept connections before printing where it is.
for _ in $(seq 60); do
    kill -0 "${pids[0]}" 2>/dev/null || break
    port_open && break
    sleep 0.5
done
kill -0 "${pids[0]}" 2>/dev/null || { echo "run.sh: the web server did not start." >&2; exit 1; }
echo
echo "Pigment is running at http://127.0.0.1:$PORT/ (admin at /admin/) - Ctrl-C stops the web server, the worker and beat."
"$PY" manage.py seed_demo --logins-only
echo "Staff logins then ask for a code from their authenticator app; the demo's is built in:"
echo "  $PY manage.py demo_code USERNAME   (prints that login's current code; each code works once)"
echo

# Runs until Ctrl-C, or until one of the three exits on its own (then the others are stopped).
status=0
wait -n "${pids[@]}" || status=$?
exit "$status"
