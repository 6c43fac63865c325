# kbpredict developer commands. Every target that needs torch installs torch==2.13.0 FIRST:
# a bare "torch" requirement would pull several GB of CUDA packages.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

MODEL  ?=
FP32_MODEL ?=
# The headline test text is what people type (conversational); WikiText-2 sits beside it.
BENCH_DATA = --test $(DATA)/conversational/test.txt $(DATA)/wikitext-2/test.txt \
	--ppl-test $(DATA)/conversational/test.txt $(DATA)/wikitext-2-tokens/test.txt
BENCH_ARGS ?= $(if $(MODEL),--model $(MODEL)) $(if $(FP32_MODEL),--fp32-model $(FP32_MODEL))

DATA   ?= ../shared/data
DEFAULT_RUN ?= runs/default
THREADS ?= 2

PTB_RUN ?= runs/ptb
PTB_EPOCHS ?= 18

.PHONY: test test-fast demo default-model default-lists verify-default mobile-model tiny-model ptb bench bench-models bench-quick presage clean

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

# The shipped default model is trained on a weighted mix of conversational English and WikiText-2
# (README, "The shipped model"): prepare the mix into shards (skipped once its manifest exists),
# train (resuming a run under way), then export int8 into the package with parity checked on the
# conversational validation text. TINY_RUN: the same for the Gboard-sized model.
CONV = $(DATA)/conversational
MIX = $(DATA)/wikitext-2-tokens/train.txt@0.75 \
	$(CONV)/train/selfdialogue.txt.gz@1 $(CONV)/train/topicalchat.txt.gz@1.5 $(CONV)/train/goemotions.txt.gz@1.5 \
	$(CONV)/train/casino.txt.gz@1.5 $(CONV)/train/synthetic_persona_chat.txt.gz@1 $(CONV)/train/gutenberg.txt.gz@0.5 \
	$(CONV)/train/sgd.txt.gz@0.4 $(CONV)/train/taskmaster.txt.gz@1 $(CONV)/train/polyai.txt.gz@1 \
	$(CONV)/train/stackexchange.txt.gz@1 $(CONV)/train/chatterbot.txt.gz@1 $(CONV)/train/multidogo.txt.gz@0.5 \
	$(CONV)/train/clinc150.txt.gz@0.5 $(CONV)/train/hwu64.txt.gz@0.5
MIX_DATA ?= runs/mix-25k
MIX_DATA_TINY ?= runs/mix-10k
TINY_RUN ?= runs/tiny
TINY_CONTINUED_RUN ?= runs/tiny-continued
# Each model trains in two stages, as the shipped ones did (on one H100 lent for a session, two to
# four runs sharing it; README, "The shipped model"). Stage 1: the preset's cosine schedule from
# scratch (its batch, learning rate, warm-up and dropout: train/config.py). Stage 2: from stage 1's
# best weights, a fresh optimizer and a second cosine schedule at half the learning rate. Each
# stage resumes from its last.pt, so an interrupted `make default-model` (Ctrl-C, or the end of a
# session) continues where it stopped; a finished stage is skipped. The step counts are what fit
# ~8 minutes of that GPU: ~8 + ~10 passes over the 13.5M-token mix. On a 2-core CPU the default
# takes about a day, in as many sittings as needed. The shipped default is stage 2's last (and
# best) checkpoint; tiny is its stage 2's best validation checkpoint, step 46,079 (the lease ended
# at step 49,853 of 50,279).
DEFAULT_STAGE1 ?= --max-steps 23500 --eval-every 1958
DEFAULT_STAGE2 ?= --lr 1.5e-3 --dropout 0.15 --warmup-steps 200 --max-steps 29736 --eval-every 2478
TINY_STAGE1 ?= --max-steps 29722 --eval-every 2476
TINY_STAGE2 ?= --lr 2e-3 --dropout 0.05 --warmup-steps 200 --max-steps 50279 --eval-every 4189
DEFAULT_CONTINUED_RUN ?= runs/default-continued
# $(call two-stages,PRESET,DATA,RUN,CONTINUED_RUN,STAGE1,STAGE2)
define two-stages
	$(BIN)/python -m train --data $(2) --out $(3) --preset $(1) --threads $(THREADS) $(5) \
		$$(test -f $(3)/last.pt && echo --resume)
	$(BIN)/python -m train --data $(2) --out $(4) --preset $(1) --threads $(THREADS) --init-from $(3)/best.pt $(6) \
		$$(test -f $(4)/last.pt && echo --resume)
endef

$(MIX_DATA)/manifest.json:
	$(BIN)/python -m train.prepare --text $(MIX) --valid $(CONV)/valid.txt --out $(MIX_DATA) --vocab-size 25000 \
		--interleave --mask '[NAME]' '[RELIGION]'

$(MIX_DATA_TINY)/manifest.json:
	$(BIN)/python -m train.prepare --text $(MIX) --valid $(CONV)/valid.txt --out $(MIX_DATA_TINY) --vocab-size 10000 \
		--interleave --mask '[NAME]' '[RELIGION]'

default-model: $(VENV)/.installed-dev $(MIX_DATA)/manifest.json
	$(call two-stages,default,$(MIX_DATA),$(DEFAULT_RUN),$(DEFAULT_CONTINUED_RUN),$(DEFAULT_STAGE1),$(DEFAULT_STAGE2))
	$(BIN)/python -m export --checkpoint $(DEFAULT_CONTINUED_RUN)/best.pt --out kbpredict/models/default --valid $(CONV)/valid.txt \
		--words-min-count 3

# Rebuild the shipped bundle's word lists (words.tsv.gz, capitals.txt.gz, abbreviations.txt) from
# the training mix it records and its own vocabulary, without the checkpoint: after a change to the
# lists' rules (export/wordlist.py, capitals.py, abbreviations.py). The network is left as it is.
default-lists: $(VENV)/.installed-dev
	$(BIN)/python -m export.lists kbpredict/models/default

# Re-prove the shipped bundle's parity from a checkout: checksums, int8 matrices, token-by-token vs
# multi-token feeds, and its perplexity on the 2,000 validation positions recorded at export; with
# the checkpoint on this machine (after make default-model) also torch vs fp32 vs int8.
verify-default: $(VENV)/.installed-dev
	$(BIN)/python -m export.verify kbpredict/models/default --valid $(CONV)/valid.txt \
		$(if $(wildcard $(DEFAULT_CONTINUED_RUN)/best.pt),--checkpoint $(DEFAULT_CONTINUED_RUN)/best.pt)

# The shipped model for apps outside Python (Android, iOS, Node, ...): a copy of the bundle with
# model.ort (ORT format, checked equal to model.onnx), required_operators.config and words.txt.
MOBILE_OUT ?= build/mobile/default
mobile-model: $(VENV)/.installed-runtime
	rm -rf $(MOBILE_OUT)
	$(BIN)/python -m export.mobile kbpredict/models/default --out $(MOBILE_OUT)

tiny-model: $(VENV)/.installed-dev $(MIX_DATA_TINY)/manifest.json
	$(call two-stages,tiny,$(MIX_DATA_TINY),$(TINY_RUN),$(TINY_CONTINUED_RUN),$(TINY_STAGE1),$(TINY_STAGE2))
	$(BIN)/python -m export --checkpoint $(TINY_CONTINUED_RUN)/best.pt --out $(TINY_RUN)/bundle --valid $(CONV)/valid.txt \
		--words-min-count 10

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

# The full report (PROTOCOL.md: 20,000 test tokens), committed under bench/results/, and the
# personal model's gain per source (bench/results/personal.json).
bench: $(VENV)/.installed-bench presage
	$(BIN)/python -m bench all --words 20000 --results bench/results $(BENCH_DATA) $(BENCH_ARGS)
	$(BIN)/python -m bench personal --test $(DATA)/conversational/test.txt --fill '' \
		--out bench/results/personal.json $(if $(MODEL),--model $(MODEL))
	$(BIN)/python -m bench personal --test $(DATA)/conversational/test.txt --sources --fill $(DATA)/conversational/valid.txt \
		--out bench/results/personal_latency.json $(if $(MODEL),--model $(MODEL))
	$(BIN)/python -m bench typos --test $(DATA)/conversational/test.txt --samples 2000 \
		--out bench/results/typos.json $(if $(MODEL),--model $(MODEL))
	$(BIN)/python -m bench serve --test $(DATA)/conversational/test.txt --out bench/results/serve.json \
		$(if $(MODEL),--model $(MODEL))

# bench/results/models.md: the WikiText-only default that the conversational one replaced (taken
# from git history, commit $(OLD_DEFAULT_COMMIT)), the shipped default, and tiny (make tiny-model).
OLD_DEFAULT_COMMIT ?= 59d077e^
OLD_DEFAULT = .cache/models/wikitext-default
bench-models: $(VENV)/.installed-bench
	rm -rf $(OLD_DEFAULT) && mkdir -p $(OLD_DEFAULT)
	git archive $(OLD_DEFAULT_COMMIT) kbpredict/models/default | tar -x -C $(OLD_DEFAULT) --strip-components=3
	$(BIN)/python -m bench compare --models $(OLD_DEFAULT) kbpredict/models/default $(TINY_RUN)/bundle \
		--words 10000 --results bench/results $(BENCH_DATA)

# The same on ~2,000 tokens, for everyday use (results in bench/results/quick/, not committed).
bench-quick: $(VENV)/.installed-bench presage
	$(BIN)/python -m bench all --words 2000 --ppl-tokens 20000 --cold-runs 3 --no-shipped-presage \
		--results bench/results/quick $(BENCH_DATA) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
