"""Train the project's Portuguese NER pipeline (tok2vec + ner; PERSON, LOCATION, ORGANIZATION).

    OMP_NUM_THREADS=1 python -m services.anonymizer.ner.train \
        --lener-dir ../shared/data/lener-br --out services/anonymizer/models/pt_ner

Training data: LeNER-Br train (minus a held-out slice) + synthetic sentences from TRAIN_TEMPLATES.
Model selection (spaCy's model-best): the held-out LeNER slice + synthetic sentences with another seed.
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

from . import lener, synthetic

HERE = Path(__file__).parent
CONFIG = HERE / "config.cfg"
MODEL_NAME = "pt_llm4gov_ner"
MODEL_VERSION = "1.2.0"


def build_corpora(lener_dir: Path, work: Path, n_synth: int, n_synth_dev: int, heldout_frac: float,
                  seed: int) -> dict:
    nlp = spacy.blank("pt")
    lener_docs = lener.load_conll(nlp.vocab, lener_dir / "train.conll")
    rng = random.Random(seed)
    idx = list(range(len(lener_docs)))
    rng.shuffle(idx)
    n_held = int(len(idx) * heldout_frac)
    held = set(idx[:n_held])
    lener_train = [d for i, d in enumerate(lener_docs) if i not in held]
    lener_dev = [d for i, d in enumerate(lener_docs) if i in held]

    synth_train, dropped_t = synthetic.to_docs(nlp, synthetic.generate(n_synth, seed=seed))
    synth_dev, dropped_d = synthetic.to_docs(nlp, synthetic.generate(n_synth_dev, seed=seed + 1000))

    train_docs = lener_train + synth_train
    rng.shuffle(train_docs)
    dev_docs = lener_dev + synth_dev
    DocBin(docs=train_docs, store_user_data=False).to_disk(work / "train.spacy")
    DocBin(docs=dev_docs, store_user_data=False).to_disk(work / "dev.spacy")
    stats = {
        "lener_train_sentences": len(lener_train),
        "lener_heldout_sentences": len(lener_dev),
        "synthetic_train_examples": len(synth_train),
        "synthetic_dev_examples": len(synth_dev),
        "synthetic_spans_dropped": dropped_t + dropped_d,
        "train_tokens": sum(len(d) for d in train_docs),
    }
    return stats


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lener-dir", type=Path, required=True, help="folder with LeNER-Br train.conll")
    ap.add_argument("--out", type=Path, default=HERE.parent / "models" / "pt_ner")
    ap.add_argument("--work-dir", type=Path, default=None, help="where DocBins and checkpoints go (temp dir)")
    ap.add_argument("--config", type=Path, default=CONFIG)
    ap.add_argument("--n-synthetic", type=int, default=9000)
    ap.add_argument("--n-synthetic-dev", type=int, default=800)
    ap.add_argument("--heldout-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--eval-frequency", type=int, default=None)
    args = ap.parse_args(argv)

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pt_ner_train_"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    stats = build_corpora(args.lener_dir, work, args.n_synthetic, args.n_synthetic_dev, args.heldout_frac,
                          args.seed)
    print(json.dumps(stats), flush=True)

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
    train_seconds = time.time() - t0

    nlp = spacy.load(work / "output" / "model-best")
    labels = sorted(nlp.get_pipe("ner").labels)
    assert labels == ["LOCATION", "ORGANIZATION", "PERSON"], labels
    performance = dict(nlp.meta.get("performance", {}))
    nlp.meta.update({
        "name": "llm4gov_ner",
        "version": MODEL_VERSION,
        "description": (
            "LLM4Gov Portuguese NER (PERSON, LOCATION, ORGANIZATION) for PII anonymization: "
            "tok2vec (HashEmbedCNN) + transition-based NER trained from spacy.blank('pt')."
        ),
        "license": (
            "Model trained on LeNER-Br (MIT licence, Luz de Araujo et al., PROPOR 2018; "
            "github.com/peluz/lener-br) + LLM4Gov synthetic data; distributed with the LLM4Gov project."
        ),
        "author": "LLM4Gov",
        "sources": [
            {"name": "LeNER-Br", "url": "https://github.com/peluz/lener-br", "license": "MIT"},
            {"name": "LLM4Gov synthetic templates", "license": "project"},
        ],
        "training": {**stats, "train_seconds": round(train_seconds), "seed": args.seed},
        "performance": performance,
    })
    nlp.meta["name"] = MODEL_NAME.removeprefix("pt_")
    if args.out.exists():
        shutil.rmtree(args.out)
    nlp.to_disk(args.out)
    # The string store only records the training tokens (names and numbers from the corpora); the
    # hash embeddings do not need it, so the shipped model carries none of the training text.
    (args.out / "vocab" / "strings.json").write_text("[]", encoding="utf-8")
    print(f"saved {args.out} labels={labels} train_seconds={train_seconds:.0f}", flush=True)


if __name__ == "__main__":
    main()
