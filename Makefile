# Pigment. `make run` starts the app for development; `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help venv node run test lint clean prod-check

help:
	@echo "make run    - migrate, seed the demo and start web server, Celery worker and beat"
	@echo "make test   - lint, migration check, collectstatic and the test suite (as CI)"
	@echo "make lint   - ruff"
	@echo "make prod-check - run deploy/Procfile's processes (DEBUG off, PostgreSQL, Redis) end to end"
	@echo "make clean  - remove .venv, node_modules, var/ and the SQLite database"

venv: $(VENV)/.installed
node: node_modules/.installed

# Recreated when it was made with a Python older than 3.12 (Django 6.1 needs 3.12).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		rm -rf $(VENV); "$$(bash scripts/python.sh)" -m venv $(VENV); \
	fi
	$(PY) -m pip install -q -r requirements-dev.txt
	# A development checkout: manage.py runs with DEBUG on (production sets its own variables).
	test -f .env || printf 'DEBUG=true\n' > .env
	touch $@

node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm; }
	npm ci --no-audit --no-fund
	touch $@

run: venv node
	bash scripts/run.sh

# The test environment: PostgreSQL and Redis on 127.0.0.1 (scripts/services.sh starts them).
# The tests use plain static storage, so collectstatic runs once with production's manifest
# storage: a CSS url() to a missing file fails there; the check before it fails when a
# STATICFILES_DIRS folder (node_modules/...) is missing, which collectstatic only warns about.
# Both can be overridden (another database name or Redis db number) to run two suites at once.
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pigment
test: export REDIS_URL ?= redis://127.0.0.1:6379/0
test: export DJANGO_SETTINGS_MODULE := clinic.settings
# The suite and the checks below run with the development settings (DEBUG is off unless set);
# the deploy check runs apart with production ones.
test: export DEBUG ?= true
test: venv node
	bash scripts/services.sh
	bash scripts/chromium.sh
	$(VENV)/bin/ruff check .
	$(PY) scripts/check_imports.py
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --tag staticfiles --fail-level WARNING
	# Production settings (DEBUG unset, a random key, real mail and SMS) pass the deploy check.
	env -u DEBUG ENV_FILE= SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		ALLOWED_HOSTS=pigment.example.com EMAIL_HOST=smtp.example.com \
		SMS_BACKEND=aftercare.sms.TwilioBackend TWILIO_ACCOUNT_SID=AC0 TWILIO_AUTH_TOKEN=t \
		TWILIO_FROM_NUMBER=+15550100 $(PY) manage.py check --deploy --fail-level WARNING
	rm -rf var/static
	STATIC_ROOT=$(CURDIR)/var/static \
	STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
		$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .

# --- Operations: production's processes end to end (scripts/prod_check.py, README "In production").
# Its own database (dropped and created anew) and Redis database 14, unless told otherwise.
prod-check: export PROD_CHECK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pigment_prodcheck
prod-check: export PROD_CHECK_REDIS_URL ?= redis://127.0.0.1:6379/14
prod-check: venv node
	bash scripts/services.sh
	$(PY) scripts/prod_check.py

clean:
	rm -rf $(VENV) node_modules var db.sqlite3*
