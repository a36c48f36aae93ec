#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis are installed and answering on 127.0.0.1, and that the
# role `postgres` can create databases (pytest-django creates test_pigment). Idempotent:
# on a machine where both already run it only checks them. There is no systemd on these
# machines, so the services are started by hand.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -X -w -q -At)

# wait_for NAME COMMAND...: retries COMMAND for up to 30 s.
wait_for() {
    local name=$1; shift
    for _ in $(seq 30); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "services.sh: $name is not answering on 127.0.0.1." >&2
    exit 1
}

# --- install what is missing (apt-get update only then) ------------------------------
missing=()
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v gpg >/dev/null || missing+=(gnupg)  # encrypted backups (manage.py backup)
if [ ${#missing[@]} -gt 0 ]; then
    echo "services.sh: installing ${missing[*]}..."
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- PostgreSQL: the newest installed version's cluster "main" --------------------------
ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
pg_lsclusters "$ver" main >/dev/null 2>&1 || pg_createcluster "$ver" main >/dev/null
# `status` exits non-zero when the cluster is down; `start` would exit 2 if it were up.
if ! pg_ctlcluster "$ver" main status >/dev/null 2>&1; then
    echo "services.sh: starting PostgreSQL $ver..."
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
fi
wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432

# A fresh Debian install asks for a password over TCP. Dev and CI machines connect as
# postgres without one (trust on 127.0.0.1), so allow it when it is not allowed yet.
if ! "${PSQL[@]}" -c 'select 1' >/dev/null 2>&1; then
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    echo "services.sh: allowing role postgres from 127.0.0.1 without password ($hba)"
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
    wait_for "PostgreSQL (as role postgres)" "${PSQL[@]}" -c 'select 1'
fi
if [ "$("${PSQL[@]}" -c "select rolsuper or rolcreatedb from pg_roles where rolname = 'postgres'")" != t ]; then
    "${PSQL[@]}" -c 'alter role postgres createdb'
fi
# The development database named in `make test`'s DATABASE_URL (makemigrations --check
# connects to it); the tests themselves run in pytest-django's own test_<name>.
dbname=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pigment}
dbname=${dbname##*/}; dbname=${dbname%%\?*}
if ! [[ $dbname =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "services.sh: unexpected database name '$dbname' in DATABASE_URL" >&2; exit 1
fi
if [ -z "$("${PSQL[@]}" -c "select 1 from pg_database where datname = '$dbname'")" ]; then
    "${PSQL[@]}" -c "create database $dbname"
fi

# --- Redis --------------------------------------------------------------------------------
if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" != PONG ]; then
    echo "services.sh: starting Redis..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
fi
wait_for Redis sh -c '[ "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG ]'

echo "services.sh: PostgreSQL $ver and Redis are up on 127.0.0.1."
