# Quick start: `make run` (set up, index seeds/, start the server) and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test

.PHONY: run test index install install-test browser clean-index train check-answers

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# torch is pinned first: 2.13.0 is a CPU build on disk, an unpinned torch pulls CUDA.
$(INSTALLED_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(INSTALLED)

install: $(INSTALLED)
install-test: $(INSTALLED_TEST)

index: $(INSTALLED)
	$(BIN)/qa index seeds/

# `make run HOST=0.0.0.0 PORT=8080 AUTH=user:pass` to serve elsewhere (beyond loopback, log in).
HOST ?= 127.0.0.1
PORT ?= 7860
AUTH ?=
run: index
	$(BIN)/qa serve --host $(HOST) --port $(PORT) $(if $(AUTH),--auth $(AUTH))

# Every answer on the eval files and the benchmarks' first questions, against the stored
# fingerprint (eval/check_answers.py): a refactor proves it changed no answer.
check-answers: $(INSTALLED)
	$(BIN)/python eval/check_answers.py

# Browser tests drive Debian's Chromium (with a CJK font, or Chinese renders as boxes);
# installed when missing and we are root, as CI is.
browser:
	@{ command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/wqy ]; } || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } || \
	echo "chromium not installed: browser tests will be skipped"

test: $(INSTALLED_TEST) browser
	$(BIN)/python -m pytest -q

# The shipped reader's whole lineage, trained again (about five hours on 2 CPU cores, minutes on
# a GPU; docs/reader.md). Never part of run or test.
train: $(INSTALLED_TEST)
	PY=$(BIN)/python train/reproduce_reader.sh

clean-index:
	rm -rf index/data-* index/manifest.json index/.lock
