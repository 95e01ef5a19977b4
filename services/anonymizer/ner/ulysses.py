"""Reader for UlyssesNER-Br (Brazilian legislative NER: bills "PL" and citizen consultations "C").

Files: `pl_train.conll`, `pl_valid.conll`, `c_train.conll`, `c_valid.conll` in
`../shared/data/ulysses-ner-br/` (see its SOURCE.txt): "token TAG" per line, IOB2, categories PESSOA,
ORGANIZACAO, LOCAL, DATA, EVENTO, FUNDAMENTO, PRODUTODELEI. Read at train/eval time only, never copied
into the repository. The *_valid files are used for evaluation only; training uses *_train (minus a
held-out slice for model selection, see train.py).

Mapping (SOURCE.txt): PESSOA -> PERSON, LOCAL -> LOCATION, ORGANIZACAO -> ORGANIZATION (public bodies
among them); other categories -> O. Conventions applied (conventions.py):

* PESSOA in this corpus also covers roles and groups ("Deputado", "motoristas", "parlamentares"):
  only the name is kept ("Deputado HUGO LEAL" -> "HUGO LEAL"); spans without a name become O;
* LOCAL spans that are URLs / e-mail addresses become O (other recognizers cover them).

The text of a sentence is its tokens joined by single spaces; spans are character offsets.
"""

from __future__ import annotations

from pathlib import Path

from .conventions import normalize_spans
from .lener import read_conll
from .synthetic import Example

LABEL_MAP = {"PESSOA": "PERSON", "LOCAL": "LOCATION", "ORGANIZACAO": "ORGANIZATION"}
SPLITS = ("pl_train", "pl_valid", "c_train", "c_valid")


def sentence_to_example(sent: list[tuple[str, str]], register: str = "ulysses") -> Example:
    parts: list[str] = []
    raw: list[list] = []  # [label, start, end]
    pos = 0
    current: list | None = None
    for tok, tag in sent:
        if parts:
            pos += 1
        start, end = pos, pos + len(tok)
        parts.append(tok)
        pos = end
        prefix, _, typ = tag.partition("-")
        label = LABEL_MAP.get(typ) if prefix in ("B", "I") else None
        if prefix == "I" and current is not None and label == current[0]:
            current[2] = end
            continue
        if current is not None:
            raw.append(current)
            current = None
        if label is not None:
            current = [label, start, end]
    if current is not None:
        raw.append(current)
    text = " ".join(parts)
    return Example(text, normalize_spans(text, [(s, e, lab) for lab, s, e in raw]), register)


def load(path: str | Path, register: str | None = None) -> list[Example]:
    """One example per sentence / segment of a UlyssesNER-Br CoNLL file."""
    reg = register or Path(path).stem
    with open(path, encoding="utf-8") as fh:
        return [sentence_to_example(sent, reg) for sent in read_conll(fh)]
