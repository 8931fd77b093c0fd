# The commands the README shows. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run build ask eval eval-unseen eval-adding train-scorer test test-all e2e bench bench-quick lint format clean

install: $(STAMP)

# torch first and pinned: on these machines 2.13.0 is a CPU build on local disk;
# an unpinned torch would pull a CUDA build of several GB.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: install
	$(PY) app.py

build: install
	$(VENV)/bin/yoga-assistant build

eval: install build
	$(VENV)/bin/yoga-assistant eval --questions eval/questions.jsonl --compare
	$(VENV)/bin/yoga-assistant eval --answers eval/answers.jsonl
	$(VENV)/bin/yoga-assistant eval --answers eval/answers-holdout.jsonl
	$(VENV)/bin/yoga-assistant eval --answers eval/answers-2.jsonl

eval-adding: install
	$(PY) eval/furniture.py
	$(PY) eval/seeds.py

eval-unseen: install
	$(PY) eval/unseen.py --set 1
	$(PY) eval/unseen.py --set 2
	$(PY) eval/unseen.py --set 3
	$(PY) eval/unseen.py --set 4

# the answer scorer: trained on our answer sets, figures held out (docs/answers.md)
train-scorer: install
	$(PY) eval/train_scorer.py

# the default suite (pyproject's addopts leave out the slow, e2e and load tiers)
test: install
	$(PY) -m pytest -q

# and the tests with the real model and the running app (what CI runs, with e2e)
test-all: install
	$(PY) -m pytest -q -m "not e2e and not load"

e2e: install
	@test -x /usr/bin/chromium || { echo "e2e needs Debian's chromium: run 'apt-get install -y chromium' (as root)"; exit 1; }
	$(PY) -m pytest -q -m "e2e or load" -p no:cacheprovider

bench: install
	$(PY) bench/run.py

bench-quick: install
	$(PY) bench/run.py --quick

lint: install
	$(VENV)/bin/ruff check assistant tests bench app.py
	$(VENV)/bin/ruff format --check assistant tests bench app.py
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format assistant tests bench app.py
	$(VENV)/bin/ruff check --fix assistant tests bench app.py

clean:
	rm -rf $(VENV) index/gen-* index/.staging-* index/CURRENT index/.lock .pytest_cache .mypy_cache .ruff_cache
