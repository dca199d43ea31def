# Townhall: `make run` starts the product, `make test` runs the suite. See README.md.
PORT ?= $(or $(TOWNHALL_PORT),8000)
UV := .tools/bin/uv
PY := .venv/bin/python
BIN := .venv/bin

.PHONY: run test fuzz test-browser test-scaleout test-slow test-lab lint fmt typecheck check-deploy ci env clean bench drill attack-lab

env: .venv/.synced

.tools/bin/uv: scripts/bootstrap
	scripts/bootstrap

.venv/.synced: pyproject.toml uv.lock .tools/bin/uv
	scripts/bootstrap
	@touch $@

run: env
	$(PY) manage.py run --port $(PORT)

test: env
	scripts/test

test-browser: env
	scripts/ensure-chromium
	scripts/test-browser

# Tests over 30 s that start the product's real processes (marker slow, tests/deploy); make test
# leaves them out.
test-slow: env
	$(PY) -m pytest -m slow tests/deploy

# The attack laboratory at a fifth of its size with its acceptance figures (marker lab,
# tests/integrity/test_attack_lab.py; about 5 minutes on SQLite); make test leaves it out.
test-lab: env
	$(PY) -m pytest -m lab -s tests/integrity/test_attack_lab.py

# Two web nodes behind nginx on PostgreSQL (tests/deploy/test_two_nodes.py, docs/deployment.md).
test-scaleout: env
	scripts/ensure-nginx
	scripts/start-postgres
	TOWNHALL_DATABASE_URL=$(or $(TOWNHALL_TEST_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/townhall) \
		$(PY) -m pytest -m scaleout -s tests/deploy

lint: env
	scripts/lint

# Rewrites files: ruff's fixes and formatting, djhtml's template indentation.
fmt: env
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml townhall

typecheck: env
	$(BIN)/mypy

# Only the production deploy checks from make lint.
check-deploy: env
	scripts/check-deploy

ci:
	bash .ci/run

# The performance harness (docs/performance.md): PostgreSQL and SQLite, bounded
# (under 5 minutes). Options: make bench BENCH_ARGS="--duration 60 --workers 2" (see --help).
# Reads are driven by Debian's wrk (scripts/ensure-wrk), or the harness's own client without it.
bench: env
	scripts/ensure-wrk
	scripts/start-postgres
	$(PY) -m scripts.bench $(BENCH_ARGS)

# The fault drill (docs/operations.md): under a steady load, kill a web worker, kill the task
# worker, restart PostgreSQL, have the SMTP server refuse some recipients and go away; check
# nothing was lost or sent twice and everything came back. It makes its own PostgreSQL cluster
# (Debian's binaries) and removes it; bounded (under 5 minutes). make drill DRILL_ARGS="--help".
drill: env
	$(PY) -m scripts.drill $(DRILL_ARGS)

# The attack laboratory (docs/integrity.md): named scenarios of people and bots replayed through
# the real signing services under a controlled clock; prints what the fraud controls did.
# LAB_ARGS="--scenario office-nat --scale 0.5" or "--database-url postgres://…/townhall_lab".
attack-lab: env
	$(PY) -m scripts.attack_lab $(LAB_ARGS)

clean:
	rm -rf .venv .tools var staticfiles bench-results drill-results

# The fuzz suite (tests/fuzz/) at a larger size than CI's: hostile values in every query
# parameter and form field; prints the request count and how many answered 5xx.
fuzz: env
	TOWNHALL_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),60) $(PY) -m pytest -p no:logging -s tests/fuzz
