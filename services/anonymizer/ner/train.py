"""Train the project's Portuguese NER pipeline (tok2vec + ner; PERSON, LOCATION, ORGANIZATION).

    OMP_NUM_THREADS=1 python -m services.anonymizer.ner.train \
        --data-dir ../shared/data --out services/anonymizer/models/pt_ner

Training data: the *train* splits of LeNER-Br (legal), UlyssesNER-Br PL + C (legislative bills and
citizen consultations) and First HAREM (news/web, EP+BR), each minus a seeded held-out slice, plus
synthetic sentences from TRAIN_TEMPLATES. Model selection (spaCy's model-best): the held-out slices +
synthetic sentences with another seed. The dev / *_valid splits are never trained on nor used for
selection: they are what `--eval` (and bench/anonymizer_quality.py) report.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from . import harem, lener, synthetic, ulysses

HERE = Path(__file__).parent
CONFIG = HERE / "config.cfg"
MODEL_NAME = "pt_llm4gov_ner"
MODEL_VERSION = "2.0.0"


def examples_to_docs(nlp, examples) -> tuple[list, int]:
    """Synthetic-style examples (text + char spans) -> Docs tokenized by the pipeline's tokenizer (as at
    inference); a span that does not align to tokens is expanded to the tokens it touches."""
    docs, dropped = [], 0
    for ex in examples:
        doc = nlp.make_doc(ex.text)
        ents, taken = [], set()
        for s, e, label in sorted(ex.spans):
            span = doc.char_span(s, e, label=label, alignment_mode="strict") or \
                doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is None or any(i in taken for i in range(span.start, span.end)):
                dropped += 1
                continue
            taken.update(range(span.start, span.end))
            ents.append(span)
        doc.ents = ents
        docs.append(doc)
    return docs, dropped


def _split(items: list, frac: float, rng: random.Random) -> tuple[list, list]:
    idx = list(range(len(items)))
    rng.shuffle(idx)
    held = set(idx[:int(len(idx) * frac)])
    return [x for i, x in enumerate(items) if i not in held], [x for i, x in enumerate(items) if i in held]


def build_corpora(data_dir: Path, work: Path, n_synth: int, n_synth_dev: int, heldout_frac: float,
                  seed: int, lener_dir: Path | None = None, harem_repeat: int = 2) -> dict:
    nlp = spacy.blank("pt")
    rng = random.Random(seed)
    lener_docs = lener.load_conll(nlp.vocab, (lener_dir or data_dir / "lener-br") / "train.conll")
    lener_train, lener_dev = _split(lener_docs, heldout_frac, rng)

    stats: dict = {"lener_train_sentences": len(lener_train), "lener_heldout_sentences": len(lener_dev)}
    train_docs, dev_docs = list(lener_train), list(lener_dev)
    dropped = 0
    corpora = {
        "ulysses_pl": ulysses.load(data_dir / "ulysses-ner-br" / "pl_train.conll"),
        "ulysses_c": ulysses.load(data_dir / "ulysses-ner-br" / "c_train.conll"),
        "harem": harem.load(data_dir / "harem" / "FirstHAREM-selective-train.json"),
    }
    for name, examples in corpora.items():
        tr, de = _split(examples, heldout_frac, rng)
        tr_docs, d1 = examples_to_docs(nlp, tr)
        de_docs, d2 = examples_to_docs(nlp, de)
        dropped += d1 + d2
        repeat = harem_repeat if name == "harem" else 1
        train_docs += tr_docs * repeat
        dev_docs += de_docs
        stats[f"{name}_train_examples"] = len(tr_docs)
        stats[f"{name}_heldout_examples"] = len(de_docs)
    stats["corpus_spans_dropped"] = dropped

    synth_train, dropped_t = synthetic.to_docs(nlp, synthetic.generate(n_synth, seed=seed))
    synth_dev, dropped_d = synthetic.to_docs(nlp, synthetic.generate(n_synth_dev, seed=seed + 1000))

    train_docs += synth_train
    rng.shuffle(train_docs)
    dev_docs += synth_dev
    DocBin(docs=train_docs, store_user_data=False).to_disk(work / "train.spacy")
    DocBin(docs=dev_docs, store_user_data=False).to_disk(work / "dev.spacy")
    stats.update({
        "synthetic_train_examples": len(synth_train),
        "synthetic_dev_examples": len(synth_dev),
        "synthetic_spans_dropped": dropped_t + dropped_d,
        "train_tokens": sum(len(d) for d in train_docs),
    })
    return stats


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"),
                    help="folder with lener-br/, ulysses-ner-br/ and harem/ (see their SOURCE.txt)")
    ap.add_argument("--lener-dir", type=Path, default=None, help="LeNER-Br folder (default: DATA_DIR/lener-br)")
    ap.add_argument("--harem-repeat", type=int, default=2, help="times the HAREM training slice is repeated")
    ap.add_argument("--eval", action="store_true",
                    help="after training, print the dev figures (ner.evaluate on every dev set)")
    ap.add_argument("--out", type=Path, default=HERE.parent / "models" / "pt_ner")
    ap.add_argument("--work-dir", type=Path, default=None, help="where DocBins and checkpoints go (temp dir)")
    ap.add_argument("--config", type=Path, default=CONFIG)
    ap.add_argument("--n-synthetic", type=int, default=9000)
    ap.add_argument("--n-synthetic-dev", type=int, default=800)
    ap.add_argument("--heldout-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--eval-frequency", type=int, default=None)
    return ap.parse_args(argv)


def run_spacy_train(args: argparse.Namespace, work: Path) -> None:
    """spaCy's training loop on the DocBins in `work` (checkpoints in work/output)."""
    from spacy.cli.train import train as spacy_train

    overrides = {
        "paths.train": str(work / "train.spacy"),
        "paths.dev": str(work / "dev.spacy"),
        "system.seed": args.seed,
    }
    if args.max_steps is not None:
        overrides["training.max_steps"] = args.max_steps
    if args.eval_frequency is not None:
        overrides["training.eval_frequency"] = args.eval_frequency
    spacy_train(args.config, work / "output", use_gpu=-1, overrides=overrides)


def model_meta(args: argparse.Namespace, stats: dict, train_seconds: float, performance: dict) -> dict:
    """What the shipped model says about itself: version, licence, sources, training figures."""
    return {
        "name": "llm4gov_ner",
        "version": MODEL_VERSION,
        "description": (
            "LLM4Gov Portuguese NER (PERSON, LOCATION, ORGANIZATION) for PII anonymization: "
            "tok2vec (HashEmbedCNN) + transition-based NER trained from spacy.blank('pt')."
        ),
        "license": (
            "Model trained on LeNER-Br (MIT licence, Luz de Araujo et al., PROPOR 2018; "
            "github.com/peluz/lener-br), UlyssesNER-Br (Albuquerque et al., PROPOR 2022; "
            "github.com/ulysses-camara/ulysses-ner-br), First HAREM (Linguateca, Santos & Cardoso 2007; JSON "
            "conversion of neuralmind-ai/portuguese-bert, MIT) + LLM4Gov synthetic data; distributed with "
            "the LLM4Gov project."
        ),
        "author": "LLM4Gov",
        "sources": [
            {"name": "LeNER-Br", "url": "https://github.com/peluz/lener-br", "license": "MIT"},
            {"name": "UlyssesNER-Br", "url": "https://github.com/ulysses-camara/ulysses-ner-br",
             "license": "none stated; cite Albuquerque et al., PROPOR 2022"},
            {"name": "First HAREM", "url": "https://www.linguateca.pt/HAREM/",
             "license": "Linguateca; JSON conversion from neuralmind-ai/portuguese-bert (MIT)"},
            {"name": "LLM4Gov synthetic templates", "license": "project"},
        ],
        "training": {**stats, "train_seconds": round(train_seconds), "seed": args.seed,
                     "config": Path(args.config).name},
        "performance": performance,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pt_ner_train_"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    stats = build_corpora(args.data_dir, work, args.n_synthetic, args.n_synthetic_dev, args.heldout_frac,
                          args.seed, lener_dir=args.lener_dir, harem_repeat=args.harem_repeat)
    print(json.dumps(stats), flush=True)

    run_spacy_train(args, work)
    train_seconds = time.time() - t0

    nlp = spacy.load(work / "output" / "model-best")
    labels = sorted(nlp.get_pipe("ner").labels)
    assert labels == ["LOCATION", "ORGANIZATION", "PERSON"], labels
    performance = dict(nlp.meta.get("performance", {}))
    nlp.meta.update(model_meta(args, stats, train_seconds, performance))
    nlp.meta["name"] = MODEL_NAME.removeprefix("pt_")
    if args.out.exists():
        shutil.rmtree(args.out)
    nlp.to_disk(args.out)
    # The string store only records the training tokens (names and numbers from the corpora); the
    # hash embeddings do not need it, so the shipped model carries none of the training text.
    (args.out / "vocab" / "strings.json").write_text("[]", encoding="utf-8")
    print(f"saved {args.out} labels={labels} train_seconds={train_seconds:.0f}", flush=True)
    if args.eval:
        from . import evaluate

        evaluate.main(["--model", str(args.out), "--data-dir", str(args.data_dir), "--all-dev"])


if __name__ == "__main__":
    main()
