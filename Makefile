# exitentry: `make demo` serves a demo province on http://127.0.0.1:8000; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test lint typecheck pytest test-browser migrations-check messages lock clean fault-test

$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/python -m exitentry.core.compile_messages
	$(BIN)/exitentry migrate --noinput
	$(BIN)/exitentry seed-demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a task worker and the scheduler (Ctrl-C stops all three)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/exitentry db_worker --interval 2 >var/worker.log 2>&1 & \
	  $(BIN)/exitentry scheduler >var/scheduler.log 2>&1 & \
	  $(BIN)/exitentry runserver $(HOST):$(PORT) --noreload

serve: install
	$(BIN)/python -m exitentry.core.compile_messages
	$(BIN)/exitentry runserver $(HOST):$(PORT) --noreload

lint: install
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/ruff format --check src tests conftest.py

typecheck: install
	$(BIN)/mypy src/exitentry

pytest: install
	mkdir -p var
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Lint, types, then the whole suite; set DATABASE_URL=postgres://... to run it on PostgreSQL.
test: lint typecheck pytest

# Only the browser tests (Debian's chromium + axe-core); failures leave screenshots in test-artifacts/.
test-browser: install
	mkdir -p var
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# Fails when a model change has no migration yet.
migrations-check: install
	mkdir -p var
	$(BIN)/exitentry makemigrations --check --dry-run

# Load and fault test of the production stack (not part of `make test`): a throwaway PostgreSQL
# cluster on port 55432, Redis db 9 (emptied), ~3 minutes; report in benchmarks/results/fault-*.
fault-test: install
	$(BIN)/python -m exitentry.core.compile_messages
	$(BIN)/exitentry fault-test $(FAULT_TEST_ARGS)

# Regenerate the translation catalogues after changing user-facing text (needs GNU gettext).
messages: install
	cd src/exitentry && for app in */; do \
	  if [ -d "$$app/locale" ]; then (cd $$app && ../../../$(BIN)/exitentry makemessages --all --no-obsolete --no-location --ignore 'tests/*' >/dev/null); fi; \
	done
	$(BIN)/python -m exitentry.core.compile_messages

# Re-pin the dependencies (with hashes) after editing requirements/*.in.
lock:
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements/dev.txt requirements/dev.in

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache test-artifacts
