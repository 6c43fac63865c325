# kbpredict developer commands. Every target that needs torch installs torch==2.13.0 FIRST:
# a bare "torch" requirement would pull several GB of CUDA packages.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

MODEL  ?=
FP32_MODEL ?=
BENCH_DATA = --test $(DATA)/wikitext-2/test.txt --ppl-test $(DATA)/wikitext-2-tokens/test.txt
BENCH_ARGS ?= $(if $(MODEL),--model $(MODEL)) $(if $(FP32_MODEL),--fp32-model $(FP32_MODEL))

DATA   ?= ../shared/data
DEFAULT_RUN ?= runs/default
THREADS ?= 2

PTB_RUN ?= runs/ptb
PTB_EPOCHS ?= 18

.PHONY: test test-fast demo default-model ptb bench bench-quick presage clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Everything: runtime + training + tests.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[train,dev,demo]'
	touch $@

# The runtime alone (no torch) plus prompt_toolkit, for the demo.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[demo]'
	touch $@

# A newcomer's first command: live autocomplete with the shipped model.
demo: $(VENV)/.installed-runtime
	$(BIN)/kbpredict demo $(if $(MODEL),--model $(MODEL))

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

# Reproduce the shipped default model: train on WikiText-2 (resuming if a run is under way),
# then export the int8 bundle into the package. Takes about 1.8 h on one core of a 2-core CPU.
default-model: $(VENV)/.installed-dev
	$(BIN)/python -m train --train $(DATA)/wikitext-2-tokens/train.txt --valid $(DATA)/wikitext-2-tokens/valid.txt \
		--out $(DEFAULT_RUN) --preset default --threads $(THREADS) $(if $(wildcard $(DEFAULT_RUN)/last.pt),--resume)
	$(BIN)/python -m export --checkpoint $(DEFAULT_RUN)/best.pt --out kbpredict/models/default

# Penn Treebank with its own 10k vocabulary: train (resuming if under way), export int8 and fp32,
# and write the test perplexity of both to bench/results/ptb.json. About 2 h on one CPU core.
ptb: $(VENV)/.installed-dev
	$(BIN)/python -m train --train $(DATA)/ptb/train.txt --valid $(DATA)/ptb/valid.txt --out $(PTB_RUN) \
		--preset ptb --epochs $(PTB_EPOCHS) --threads $(THREADS) $(if $(wildcard $(PTB_RUN)/last.pt),--resume)
	$(BIN)/python -m export --checkpoint $(PTB_RUN)/best.pt --out $(PTB_RUN)/bundle --no-words
	$(BIN)/python -m export --checkpoint $(PTB_RUN)/best.pt --out $(PTB_RUN)/bundle-fp32 --no-words --fp32
	$(BIN)/python -m bench perplexity --model $(PTB_RUN)/bundle-fp32 --also $(PTB_RUN)/bundle \
		--test $(DATA)/ptb/test.txt --out bench/results/ptb.json

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

# Presage from Debian (apt-get) and the benchmark's C++ driver against libpresage.
presage:
	bash bench/presage/setup.sh

# The full report (PROTOCOL.md: 20,000 test tokens), committed under bench/results/.
bench: $(VENV)/.installed-bench presage
	$(BIN)/python -m bench all --words 20000 --results bench/results $(BENCH_DATA) $(BENCH_ARGS)

# The same on ~2,000 tokens, for everyday use (results in bench/results/quick/, not committed).
bench-quick: $(VENV)/.installed-bench presage
	$(BIN)/python -m bench all --words 2000 --ppl-tokens 20000 --cold-runs 3 --no-shipped-presage \
		--results bench/results/quick $(BENCH_DATA) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
