# flashpoint: the two commands a newcomer needs are `make demo` and `make test`.
# Both set up a local virtual environment first (torch pinned to the CPU build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  ?= models/default
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: setup demo test model benchmarks corpus-check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[train,dev,distributed]"
	touch $(STAMP)

$(MODEL)/manifest.json: | $(STAMP)
	@echo "No model at $(MODEL): training it from configs/default.yaml on data/corpus (about 20 minutes on 2 cores)."
	$(BIN)/flashpoint train configs/default.yaml -o $(MODEL)

model: $(MODEL)/manifest.json

demo: $(STAMP) $(MODEL)/manifest.json
	mkdir -p runs
	$(BIN)/flashpoint score data/sample_archive.jsonl -o runs/demo.jsonl --model $(MODEL) --force
	$(BIN)/flashpoint show runs/demo.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest -q

corpus-check: $(STAMP)
	$(BIN)/flashpoint corpus validate data/corpus
	$(BIN)/flashpoint corpus stats data/corpus

benchmarks: $(STAMP) $(MODEL)/manifest.json
	$(BIN)/python benchmarks/baselines.py
	$(BIN)/python benchmarks/throughput.py --model $(MODEL)

clean:
	rm -rf runs .pytest_cache
