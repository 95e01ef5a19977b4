"""Evaluate the Portuguese NER pipeline: per-type precision / recall / F1 (exact span match).

    python -m services.anonymizer.ner.evaluate --conll ../shared/data/lener-br/dev.conll --synthetic 1500

* `--conll FILE` (repeatable): a LeNER-style CoNLL file. By default the model runs on the corpus
  tokens; `--retokenize` instead joins the tokens with spaces and lets the pipeline tokenize the text
  (what Presidio does), comparing character spans.
* `--synthetic N`: N sentences from the synthetic generator's EVAL_TEMPLATES (reserved for evaluation,
  never used in training) with a seed different from training (`--synthetic-seed`, default 777).
* `--synthetic-r2 N`: N sentences from EVAL_TEMPLATES_R2 (round-2 evaluation-only templates: highways,
  rivers, regions, LeNER-style state headers, more news and sloppy complaints).
* `--handwritten`: a small free-form set of non-legal sentences written by hand (handwritten.py).
* `--all-dev --data-dir ../shared/data`: every dev split: LeNER-Br dev, UlyssesNER-Br pl_valid and
  c_valid, First HAREM dev (readers ulysses.py / harem.py, conventions.py applied), plus the synthetic
  round-1 / round-2 sets and the hand-written set. This is the model alone; the service's figures (with
  the recognizers and span rules) come from bench/anonymizer_quality.py.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import spacy
from spacy.tokens import Doc

from . import harem, lener, scoring, synthetic, ulysses

LABELS = ("PERSON", "LOCATION", "ORGANIZATION")
DEFAULT_MODEL = Path(__file__).parent.parent / "models" / "pt_ner"

Spans = set[tuple[int, int, str]]


def _spans(group: Spans) -> list[scoring.Span]:
    return [scoring.Span(label, s, e) for s, e, label in group]


def _figures(counts: scoring.TypeCounts) -> dict:
    p, r = counts.precision or 0.0, counts.recall or 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "support": counts.n_gold}


def score(gold: list[Spans], pred: list[Spans]) -> dict:
    """Exact span match (scoring.match_counts) per label and over every label ("ALL"); 0.0 where undefined."""
    labels = sorted(set(LABELS).union(*({label for _, _, label in spans} for spans in (*gold, *pred))))
    totals = {label: scoring.TypeCounts() for label in labels}
    for g, p in zip(gold, pred):
        for label, counts in scoring.match_counts(_spans(g), _spans(p), labels).items():
            totals[label].add(counts)
    everything = scoring.TypeCounts()
    for counts in totals.values():
        everything.add(counts)
    return {label: _figures(everything if label == "ALL" else totals[label]) for label in LABELS + ("ALL",)}


def _char_spans(doc: Doc) -> Spans:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS}


def predict(nlp, texts_or_docs) -> list[Spans]:
    return [_char_spans(d) for d in nlp.pipe(texts_or_docs, batch_size=64)]


def eval_conll(nlp, path: Path, retokenize: bool) -> dict:
    gold_docs = lener.load_conll(nlp.vocab, path)
    gold = [_char_spans(d) for d in gold_docs]
    texts = [d.text for d in gold_docs]
    t0 = time.time()
    if retokenize:
        pred = predict(nlp, texts)
    else:
        pred = predict(nlp, [Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
                             for d in gold_docs])
    secs = time.time() - t0
    res = {"model": score(gold, pred), "tokens": sum(len(d) for d in gold_docs), "seconds": round(secs, 1)}
    return res


def eval_synthetic(nlp, n: int, seed: int, r2: bool = False) -> dict:
    examples = synthetic.generate(n, seed=seed, eval_templates=True, eval_r2=r2)
    gold = [{(s, e, lab) for s, e, lab in ex.spans} for ex in examples]
    texts = [ex.text for ex in examples]
    pred = predict(nlp, texts)
    res = {"model": score(gold, pred)}
    by_reg: dict[str, tuple[list, list]] = {}
    for ex, g, p in zip(examples, gold, pred):
        by_reg.setdefault(ex.register, ([], []))
        by_reg[ex.register][0].append(g)
        by_reg[ex.register][1].append(p)
    res["per_register_person_f1"] = {r: score(g, p)["PERSON"]["f1"] for r, (g, p) in sorted(by_reg.items())}
    return res


def eval_examples(nlp, examples) -> dict:
    """Reader examples (text + char spans) with the pipeline's own tokenization."""
    gold = [{(s, e, lab) for s, e, lab in ex.spans} for ex in examples]
    t0 = time.time()
    pred = predict(nlp, [ex.text for ex in examples])
    return {"model": score(gold, pred), "texts": len(examples), "seconds": round(time.time() - t0, 1)}


def eval_handwritten(nlp) -> dict:
    from .handwritten import examples

    exs = examples()
    texts = [t for t, _ in exs]
    gold = [set(sp) for _, sp in exs]
    pred = predict(nlp, texts)
    res = {"model": score(gold, pred)}
    return res


def _table(title: str, sc: dict) -> str:
    lines = [title, f"  {'type':<13} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for label in LABELS + ("ALL",):
        v = sc[label]
        lines.append(f"  {label:<13} {v['p']:>6.3f} {v['r']:>6.3f} {v['f1']:>6.3f} {v['support']:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--conll", type=Path, action="append", default=[])
    ap.add_argument("--retokenize", action="store_true")
    ap.add_argument("--synthetic", type=int, default=0, help="number of held-out synthetic sentences")
    ap.add_argument("--synthetic-seed", type=int, default=777)
    ap.add_argument("--synthetic-r2", type=int, default=0,
                    help="number of held-out sentences from EVAL_TEMPLATES_R2 (round-2 evaluation templates)")
    ap.add_argument("--handwritten", action="store_true", help="also score the small hand-written set")
    ap.add_argument("--json", type=Path, default=None, help="also write all results as JSON here")
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--all-dev", action="store_true",
                    help="every dev split (LeNER, Ulysses PL/C valid, HAREM dev) + synthetic 1000/600 + handwritten")
    args = ap.parse_args(argv)

    nlp = spacy.load(args.model)
    results: dict = {}
    if args.all_dev:
        d = args.data_dir
        args.conll = args.conll or [d / "lener-br" / "dev.conll"]
        args.synthetic, args.synthetic_r2, args.handwritten = args.synthetic or 1000, args.synthetic_r2 or 600, True
        for name, examples in (("ulysses_pl_valid", ulysses.load(d / "ulysses-ner-br" / "pl_valid.conll")),
                               ("ulysses_c_valid", ulysses.load(d / "ulysses-ner-br" / "c_valid.conll")),
                               ("harem_dev", harem.load(d / "harem" / "FirstHAREM-selective-dev.json"))):
            r = eval_examples(nlp, examples)
            results[name] = r
            print(_table(f"{name} ({r['texts']} texts, {r['seconds']} s)", r["model"]))
    for path in args.conll:
        r = eval_conll(nlp, path, args.retokenize)
        results[str(path)] = r
        print(_table(f"{path} ({r['tokens']} tokens, {r['seconds']} s)", r["model"]))
    if args.synthetic:
        r = eval_synthetic(nlp, args.synthetic, args.synthetic_seed)
        results["synthetic_eval"] = r
        print(_table(f"synthetic EVAL_TEMPLATES n={args.synthetic} seed={args.synthetic_seed}", r["model"]))
        print("  PERSON F1 per register:", r["per_register_person_f1"])
    if args.synthetic_r2:
        r = eval_synthetic(nlp, args.synthetic_r2, args.synthetic_seed, r2=True)
        results["synthetic_eval_r2"] = r
        print(_table(f"synthetic EVAL_TEMPLATES_R2 n={args.synthetic_r2} seed={args.synthetic_seed}", r["model"]))
        print("  PERSON F1 per register:", r["per_register_person_f1"])
    if args.handwritten:
        r = eval_handwritten(nlp)
        results["handwritten"] = r
        print(_table("hand-written non-legal sentences (handwritten.py)", r["model"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
