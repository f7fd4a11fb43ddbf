# Bangfu — the two commands a newcomer needs (see README.md):
#   make demo   set up and run the platform (web, worker, beat) with a seeded demo
#   make test   set up and run the whole suite with its checks
# Both create .venv with a Python >= 3.11 and install the project, then run deploy/local/stack.py, which
# starts embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench-provision bench-rollup stop clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "!!! Python >= 3.11 not found (set PYTHON=...)"; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON) and installing Bangfu with its dev extras"
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@$(VENV)/bin/python deploy/local/stack.py demo

test: $(STAMP)
	@$(VENV)/bin/python deploy/local/stack.py test $(PYTEST_ARGS)

bench-provision: $(STAMP)
	@$(VENV)/bin/python deploy/local/stack.py run $(VENV)/bin/python bench/provision $(ARGS)

bench-rollup: $(STAMP)
	@$(VENV)/bin/python deploy/local/stack.py run $(VENV)/bin/python bench/rollup $(ARGS)

stop:
	@$(VENV)/bin/python deploy/local/stack.py stop

clean:
	rm -rf $(VENV) .data
