"""``python -m export.lists BUNDLE [--text FILE...] [--words-min-count N]``

Rebuild a bundle's word lists -- the completion word list (``words.tsv.gz``), the capitals list
(``capitals.txt.gz``) and the abbreviations (``abbreviations.txt``) -- from its training text and
its own vocabulary, without the checkpoint: after a change to the lists' rules, the shipped
default gets the lists a fresh export would write, and its network stays byte for byte the same.
``model.json`` gets the new files' checksums and counts. The text defaults to the training mix
that ``model.json`` records (``training.mix``), the minimum count to the one it records
(``metrics.wordlist_min_count``; exports before it was recorded need ``--words-min-count``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from kbpredict.bundle import SIDECAR, BundleInfo, describe_files, read_bundle
from kbpredict.errors import KbpredictError
from kbpredict.vocab import Vocabulary

from .abbreviations import build_abbreviations, file_period_counts, write_abbreviations
from .capitals import build_capitals, mid_sentence_counts, write_capitals
from .files import install, write_sidecar
from .wordlist import build_wordlist, training_sources, write_wordlist

WORDLIST_FILE = "words.tsv.gz"
CAPITALS_FILE = "capitals.txt.gz"
ABBREVIATIONS_FILE = "abbreviations.txt"


def build_lists(sources: list[Path], text_format: str, vocab: Vocabulary, words_min_count: int,
                masks: tuple[str, ...] = ()) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """The word list, the capitals list and the abbreviations of a model with ``vocab`` trained
    on ``sources`` (read by the training text rules)."""
    extra = build_wordlist(sources, text_format, vocab, words_min_count, masks=masks)
    spellings = [vocab.words[i] for i in vocab.suggestable_ids()] + [w for w, _ in extra]
    counts, after_capital, heads = mid_sentence_counts(sources, text_format, masks)
    capitals = build_capitals(counts, after_capital, spellings, heads=heads)
    abbreviations = build_abbreviations(*file_period_counts(sources, text_format, masks))
    return extra, capitals, abbreviations


def write_lists(directory: Path, extra: list[tuple[str, int]], capitals: list[str], abbreviations: list[str]
                ) -> list[str]:
    """Write the non-empty lists into ``directory``; returns the names written."""
    written = []
    for name, items, write in ((WORDLIST_FILE, extra, write_wordlist), (CAPITALS_FILE, capitals, write_capitals),
                               (ABBREVIATIONS_FILE, abbreviations, write_abbreviations)):
        if items:
            write(directory / name, items)
            written.append(name)
    return written


def training_text(info: BundleInfo, bundle: Path) -> list[Path]:
    """The training text that ``model.json`` records: its training files (or prepared data
    directory) if still here, or else the files of its training mix (paths as recorded: relative
    to the directory the export ran in, or else to the bundle's)."""
    files, _, _ = training_sources(info.training)
    if files:
        return files
    for item in info.training.get("mix") or []:
        recorded = Path(str(item.get("file", "")))
        found = next((p for p in (recorded, bundle / recorded) if p.is_file()), None)
        if found is None:
            raise FileNotFoundError(f"the training text {recorded} that {bundle / SIDECAR} records is not here: "
                                    "pass --text FILE...")
        files.append(found)
    if not files:
        raise FileNotFoundError(f"{bundle / SIDECAR} records no training mix: pass --text FILE...")
    return files


def rebuild_lists(bundle: str | Path, text: list[str] | None = None, words_min_count: int | None = None
                  ) -> BundleInfo:
    """Rebuild the word lists of the bundle in ``bundle`` (see the module); returns its new
    ``model.json`` contents."""
    directory, info = read_bundle(bundle)
    min_count = words_min_count if words_min_count is not None else info.metrics.get("wordlist_min_count")
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ValueError(f"{directory / SIDECAR} does not record the word list's minimum count: "
                         "pass --words-min-count N (the export's --words-min-count)")
    sources = [Path(p) for p in text] if text else training_text(info, directory)
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    vocab = Vocabulary.from_file(str(directory / info.vocab_file))
    masks = tuple(info.training.get("masks") or ())
    lists = build_lists(sources, info.training.get("text_format") or "auto", vocab, min_count, masks)
    with tempfile.TemporaryDirectory(prefix="kbpredict-lists-") as tmp:
        written = write_lists(Path(tmp), *lists)
        for name in written:  # each file replaced at once; model.json, written last, vouches for them
            install(Path(tmp) / name, directory, name)
    for name in {WORDLIST_FILE, CAPITALS_FILE, ABBREVIATIONS_FILE} - set(written):
        if (directory / name).exists():
            (directory / name).unlink()
    names = [name for name in info.files if name not in (WORDLIST_FILE, CAPITALS_FILE, ABBREVIATIONS_FILE)]
    extra, capitals, abbreviations = lists
    info = dataclasses.replace(
        info, files=describe_files(directory, names + written),
        wordlist_file=WORDLIST_FILE if extra else None, capitals_file=CAPITALS_FILE if capitals else None,
        abbreviations_file=ABBREVIATIONS_FILE if abbreviations else None,
        metrics={**info.metrics, "wordlist_words": len(extra), "wordlist_min_count": min_count,
                 "capitals_words": len(capitals), "abbreviations": len(abbreviations)})
    write_sidecar(directory, info.to_dict())
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.lists", description=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", help="the bundle directory (e.g. kbpredict/models/default)")
    parser.add_argument("--text", nargs="+", metavar="FILE",
                        help="the training text (default: the mix that model.json records)")
    parser.add_argument("--words-min-count", type=int, help="keep words seen this often (default: as recorded)")
    args = parser.parse_args(argv)
    try:
        info = rebuild_lists(args.bundle, args.text, args.words_min_count)
    except (KbpredictError, FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    metrics = info.metrics
    print(f"rebuilt the lists of {args.bundle}: {metrics['wordlist_words']:,} completion-only words, "
          f"{metrics['capitals_words']:,} capitalized words, {metrics['abbreviations']:,} abbreviations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
