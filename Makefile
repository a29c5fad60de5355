# Both entry points set up everything themselves on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint fonts clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The chart's Chinese labels need a CJK font; install one where we can (root on Debian).
fonts:
	@fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk|source han' || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1)) || \
	    echo "note: no CJK font found; install fonts-wqy-microhei or fonts-noto-cjk for the chart"; }

# The sandbox Bot API lives in the source tree, not in the installed product (the editable install maps only
# the product's packages): `python -m` run from the root has the root on sys.path, the `kaoping` script does not.
demo: $(STAMP) fonts
	cd $(CURDIR) && $(BIN)/python -m bot demo

test: $(STAMP) fonts
	$(BIN)/ruff check .
	$(BIN)/python tools/check_layers.py  # ../shared/tools/check_layers.py grown with our packages and the I/O rules; a clone has no ../shared
	$(BIN)/mypy  # what it checks: [tool.mypy] in pyproject.toml
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache
