# Two commands for a new user: `make run` and `make test`. Everything else is a helper for those.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := lms

.PHONY: run test setup test-deps messages content-check test-sqlite test-postgres serve translations clean bench wheel

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

## setup: the venv, the compiled translations and the system packages the running app needs (not the test tools)
setup: $(STAMP) translations
	scripts/system-deps.sh run

## test-deps: what only the tests need: the ralph LRS (own venv) and axe-core for the accessibility tests
test-deps: setup
	$(BIN)/pip install --quiet -e '.[test]'
	scripts/system-deps.sh test
	scripts/ralph.sh setup
	scripts/fetch-axe.sh >/dev/null
	scripts/oidc-provider.sh >/dev/null

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d lms/translations

## messages: after changing UI texts, refresh the catalog template and the English catalog (then translate)
MSG_KEYWORDS := -k _l -k _ -k AnswerError -k QuizUnavailable -k AccountError
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(MSG_KEYWORDS) -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --width 120

## make run: install, migrate the SQLite database, load demo data, serve on http://127.0.0.1:5000
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Serving on http://127.0.0.1:5000  (stop with Ctrl+C)"
	LMS_RELAY_IN_APP=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: install, check the content, run the whole suite on SQLite and on PostgreSQL 15
test: test-deps
	scripts/test.sh

content-check: $(STAMP)
	$(BIN)/flask content check

serve: setup
	scripts/serve.sh

## wheel: the sdist and the wheel in dist/ (setup.py compiles the translation catalogs into it)
wheel: $(STAMP)
	$(BIN)/pip install --quiet 'build>=1.2' 'setuptools>=77'
	$(BIN)/python -m build --no-isolation --outdir dist .

## make bench: every benchmark at full size, one after the other (SQLite, and PostgreSQL 15 for the database-bound
## ones), then one table of all figures as in the README's Benchmarks section. Takes about an hour on 2 cores.
bench: test-deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache dist build *.egg-info
