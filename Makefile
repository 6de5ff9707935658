# Two commands set everything up on a fresh machine (Python 3.11+ and pip):
#   make demo   — install into .venv, build a demo database, open the dashboard on it
#   make test   — install into .venv (with test tools) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo.db
STAMP := $(VENV)/.installed

.PHONY: demo test check lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crm demo --customers 300 --path $(DEMO_DB) --force
	CRM_DB=$(DEMO_DB) CRM_USER=wang.fang $(BIN)/crm dashboard

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check crm_cli tests bench

check: lint test

clean:
	rm -rf $(VENV) .demo
