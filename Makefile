# Two commands matter: `make run` (the bot, or the local chat without a token) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench clean install browser lock

# The runtime set is pinned by requirements.lock (pip-compile); dev tools by pyproject.toml.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "citybot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# With TELEGRAM_BOT_TOKEN (environment or .env) run the bot; without it, the terminal survey.
run: $(STAMP)
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=..*' .env; then \
		$(BIN)/citybot run; \
	else \
		echo "TELEGRAM_BOT_TOKEN is not set: opening the local chat (citybot chat)."; \
		$(BIN)/citybot chat; \
	fi

# The desk's browser tests drive Debian's chromium (Playwright launches it; nothing is
# downloaded from a CDN). Installed with apt-get when missing and we are root (CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
		else \
			echo "chromium is missing: sudo apt-get install chromium (the browser tests need it)"; exit 1; \
		fi; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/http_transport.py --transport aiohttp
	$(BIN)/python bench/broadcast_http.py --mode paid
	$(BIN)/python bench/whatsapp.py
	$(BIN)/python bench/instances.py --pin

# After changing [project] dependencies in pyproject.toml: pin the runtime set again.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
