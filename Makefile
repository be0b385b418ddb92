# Two commands on a fresh clone: `make run` and `make test`. Each creates or refreshes .venv first.
# `make compose-test` runs compose.yaml's stack for real (needs a Docker engine; CI runs it after `make test`).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run serve test compose-test lint venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(VENV)/bin/elbv2-provider up

serve: venv
	$(VENV)/bin/elbv2-provider serve

# Two workers (this machine's two cores), each taking whole modules (--dist loadscope): a module's fixtures start
# once, and tests that share a fixed port (test_readme's 9001/9002) stay in one process. The modules go out in the
# order tests/conftest.py gives them, the slow ones first (--no-loadscope-reorder: xdist's own order, by number of
# tests, left the longest single-test modules for last). The tests' files go to /dev/shm when it has 4 GB free:
# DuckDB syncs every commit to disk, a fifth of the time of the store-heavy modules.
TEST_TMPDIR := $(shell df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $$4 > 4194304 { print "/dev/shm" }')
# The OIDC tests' IdP (node oidc-provider), installed from its lockfile when absent.
IDP_MODULES := tests/idp/node_modules/.package-lock.json

$(IDP_MODULES): tests/idp/package-lock.json
	cd tests/idp && npm ci --no-audit --no-fund --silent

test: venv $(IDP_MODULES)
	$(VENV)/bin/ruff check provider tests bench
	$(VENV)/bin/mypy provider
	@# ~40 provider subprocesses would each compile provider/ again where PYTHONDONTWRITEBYTECODE is set
	$(VENV)/bin/python -m compileall -q provider tests
	@# three workers on two cores: the tests wait on Traefik, sockets and subprocesses (quiet: 201 s vs 242 s with two)
	TMPDIR=$${TMPDIR:-$(TEST_TMPDIR)} $(VENV)/bin/pytest -q -n 3 --dist loadscope --no-loadscope-reorder

compose-test: venv
	VENV=$(VENV) bash .ci/compose-images.sh
	ELBV2_COMPOSE_TEST=1 $(VENV)/bin/pytest -q -s tests/compose

lint: venv  # what `make test` checks, without the tests
	$(VENV)/bin/ruff check provider tests bench
	$(VENV)/bin/mypy provider

clean:
	rm -rf $(VENV) .elbv2
