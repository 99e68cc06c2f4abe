# The two commands of the README (`make run`, `make test`) and the tools around them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Test processes (pytest-xdist), each with its own database in the throwaway PostgreSQL.
WORKERS ?= auto
CHROMIUM ?= /usr/bin/chromium
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: setup run test lint format messages bench loadtest browser office nginx backup restore clean

$(VENV)/.installed: pyproject.toml
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py compilemessages -v0 --ignore=$(VENV)

run: export DEMO ?= 1
run: setup
	@PY=$(PY) PORT=$(PORT) scripts/run

# Debian's chromium for the end-to-end tests (Playwright drives it; no browser download).
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

# LibreOffice writes the real files the tests import or attach: Calc the rosters (.xls, .ods,
# .csv), Writer the old Word documents (.doc).
office:
	@dpkg -s libreoffice-calc-nogui libreoffice-writer-nogui >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui libreoffice-writer-nogui; }

# nginx, for the test of the client address behind the documented proxy.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }

test: setup browser office nginx
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" scripts/with-postgres $(PY) -W error::DeprecationWarning -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint --lint templates */templates
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the translation catalogues after changing strings: one per app, one for templates/.
APPS := teams households ledgers assessments
messages: setup
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans -v0 --ignore='$(VENV)/*' $(foreach app,$(APPS),--ignore='$(app)/*')
	for app in $(APPS); do (cd $$app && mkdir -p locale && DEBUG=1 ../$(PY) ../manage.py makemessages -l zh_Hans -v0); done

# Database dump and media tar into BACKUP_DIR (default var/backups); see docs/deploy.md.
backup:
	$(PY) manage.py backup

# make restore BACKUP=bangfu-20170301-020000 (a stamp in BACKUP_DIR, or the path of a .dump)
restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<stamp or .dump path>" >&2; exit 2; }
	$(PY) manage.py restore $(BACKUP)

bench: setup office
	scripts/with-postgres $(PY) -m bench

# 50 township users against gunicorn with production settings on a throwaway PostgreSQL
# (LOADTEST_SECONDS=60, LOADTEST_USERS=50); see scripts/loadtest.
loadtest: setup
	scripts/loadtest

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
