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

# Reproduce the shipped default model: 5 epochs on WikiText-2, then 3 more from its best weights
# with a fresh schedule (--init-from), then the int8 export into the package. Each stage resumes
# if a run is under way. About 1 h 56 min + 1 h 10 min on one core of this 2-core CPU.
WT2 = --train $(DATA)/wikitext-2-tokens/train.txt --valid $(DATA)/wikitext-2-tokens/valid.txt --preset default
default-model: $(VENV)/.installed-dev
	$(BIN)/python -m train $(WT2) --out $(DEFAULT_RUN) --threads $(THREADS) \
		$(if $(wildcard $(DEFAULT_RUN)/last.pt),--resume)
	$(BIN)/python -m train $(WT2) --out $(DEFAULT_RUN)-more --init-from $(DEFAULT_RUN)/best.pt --epochs 3 --lr 1e-3 \
		--warmup-steps 100 --threads $(THREADS) $(if $(wildcard $(DEFAULT_RUN)-more/last.pt),--resume)
	$(BIN)/python -m export --checkpoint $(DEFAULT_RUN)-more/best.pt --out kbpredict/models/default

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
