# jiuzhu — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_COUNTY     ?= 370402000000
DEMO_HOUSEHOLDS ?= 20000
DEMO_SEED       ?= 42
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test venv messages lock browser serve clean-db help

help:
	@echo "make demo   - install, migrate, load regions and a synthetic county, create demo users, serve on $(HOST):$(PORT)"
	@echo "make test   - run the whole test suite (DATABASE_URL selects SQLite or PostgreSQL)"
	@echo "make lock   - re-pin requirements/lock.txt from pyproject.toml"

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Compiled catalogues (.mo) are build products: made from the .po files at set-up.
messages: venv
	cd jiuzhu && ../$(BIN)/jiuzhu compilemessages --ignore=.venv -v 0

# Debian's chromium (and CJK fonts for its screenshots) for the browser tests: Playwright cannot download its
# own browser here. Java 17 runs the Spark engine's tests.
browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -d /usr/share/fonts/opentype/noto ] || missing="$$missing fonts-noto-cjk"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get install -y -q $$missing >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null)); \
	  else echo "note: missing$$missing and not root: browser/Spark tests will be skipped"; fi; \
	fi

demo: messages
	mkdir -p var
	$(BIN)/jiuzhu migrate --noinput -v 0
	$(BIN)/jiuzhu regions load
	$(BIN)/jiuzhu policy load-reference
	$(BIN)/jiuzhu synth population --load --county $(DEMO_COUNTY) --households $(DEMO_HOUSEHOLDS) --seed $(DEMO_SEED)
	$(BIN)/jiuzhu demo users --county $(DEMO_COUNTY)
	$(BIN)/jiuzhu demo cases
	$(BIN)/jiuzhu demo feeds
	$(BIN)/jiuzhu collectstatic --noinput -v 0
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/jiuzhu runserver $(HOST):$(PORT) --insecure --noreload

test: messages browser
	$(BIN)/python -m pytest

lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --extra spark --no-emit-index-url --no-emit-find-links \
	  -o requirements/lock.txt pyproject.toml

clean-db:
	rm -f var/jiuzhu.sqlite3 var/jiuzhu.sqlite3-wal var/jiuzhu.sqlite3-shm
