# The two commands a newcomer needs: `make serve` and `make test`.
# Each creates its virtualenv by itself on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# The second supported line: Python 3.13 with the newest Django 6 (pyenv has it here).
# The first candidate that really runs: pyenv's shim is on PATH even when 3.13 is not active.
PYTHON_NEW ?= $(shell for p in $$(ls $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null) $$(command -v python3.13); do $$p -c '' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
VENV_NEW := .venv-django6
# `make serve` gets a venv of its own with the package alone (no test tools, no
# OpenCV): what `pip install restthumbnails` gives, and its first URL in seconds.
# More options: make serve SERVE_ARGS="--port 8001 --demo".
VENV_SERVE := .venv-serve

.PHONY: install serve test test-django6 lint lanes bench
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

$(VENV_NEW)/.installed: pyproject.toml
	test -x $(VENV_NEW)/bin/python || $(PYTHON_NEW) -m venv $(VENV_NEW)
	$(VENV_NEW)/bin/pip install --quiet --upgrade pip
	$(VENV_NEW)/bin/pip install --quiet -e ".[test]" "Django>=6,<7"
	touch $@

$(VENV_SERVE)/.installed: pyproject.toml
	test -x $(VENV_SERVE)/bin/python || $(PYTHON) -m venv $(VENV_SERVE)
	$(VENV_SERVE)/bin/pip install --quiet -e .
	touch $@

serve: $(VENV_SERVE)/.installed
	$(VENV_SERVE)/bin/restthumbnails serve examples/media $(SERVE_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The install lanes: the built wheel in a fresh venv, bare and with each extra
# alone, each running what that install promises (tests/lanes/).
lanes: install
	env -u PYTHONPATH $(BIN)/python -m tests.lanes

# Python 3.11 + Django 5.2 LTS: the lanes, then everything, the end-to-end tests
# included; then Python 3.13 + Django 6: everything but the end-to-end tests.
test: lint lanes
	$(BIN)/pytest
	$(MAKE) docs package PACKAGE_DIST=build/lanes/dist
	$(MAKE) test-django6

test-django6:
	@if [ -z "$(PYTHON_NEW)" ]; then \
	  if [ -n "$$CI" ]; then echo "python3.13 not found (needed for Django 6)"; exit 1; fi; \
	  echo "python3.13 not found: skipping the Django 6 run"; exit 0; fi; \
	$(MAKE) $(VENV_NEW)/.installed && RESTTHUMBNAILS_TEST_ROUTES=lean $(VENV_NEW)/bin/pytest -m "not e2e"

bench: install
	$(BIN)/python -m bench

.PHONY: docs package
# The documentation site (mkdocs.yml): strict, so a broken link or anchor fails.
# The banner Material for MkDocs prints about its successor is not ours to act on.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The wheel and sdist a package index would get: their metadata renders (twine
# check) and the wheel holds the static files, templates, py.typed and the LICENSE
# (tests/package_contents.py). Built into build/package/, or checked where they
# already are: make package PACKAGE_DIST=build/lanes/dist
PACKAGE_DIST ?=
package: install
	@dist="$(PACKAGE_DIST)"; \
	if [ -z "$$dist" ]; then \
	  dist=build/package; rm -rf $$dist; mkdir -p build; \
	  $(BIN)/python -m build --outdir $$dist . >$$dist.log 2>&1 \
	    || { cat $$dist.log; exit 1; }; \
	fi; \
	$(BIN)/twine check --strict $$dist/*.whl $$dist/*.tar.gz \
	  && $(BIN)/python -m tests.package_contents $$dist
