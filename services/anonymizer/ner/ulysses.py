"""Reader for UlyssesNER-Br (Brazilian legislative NER: bills "PL" and citizen consultations "C").

Files: `pl_train.conll`, `pl_valid.conll`, `c_train.conll`, `c_valid.conll` in
`../shared/data/ulysses-ner-br/` (see its SOURCE.txt): "token TAG" per line, IOB2, categories PESSOA,
ORGANIZACAO, LOCAL, DATA, EVENTO, FUNDAMENTO, PRODUTODELEI. Read at train/eval time only, never copied
into the repository. The *_valid files are used for evaluation only; training uses *_train (minus a
held-out slice for model selection, see train.py).

Mapping (SOURCE.txt, conventions.LABEL_MAP): PESSOA -> PERSON, LOCAL -> LOCATION, ORGANIZACAO -> ORGANIZATION (public bodies
among them); other categories -> O. Conventions applied (conventions.py):

* PESSOA in this corpus also covers roles and groups ("Deputado", "motoristas", "parlamentares"):
  only the name is kept ("Deputado HUGO LEAL" -> "HUGO LEAL"); spans without a name become O;
* LOCAL spans that are URLs / e-mail addresses become O (other recognizers cover them).

The text of a sentence is its tokens joined by single spaces; spans are character offsets.
"""

from __future__ import annotations

from pathlib import Path

from .conventions import normalize_spans
from .lener import read_conll, sentence_to_text
from .synthetic import Example

SPLITS = ("pl_train", "pl_valid", "c_train", "c_valid")


def sentence_to_example(sent: list[tuple[str, str]], register: str = "ulysses") -> Example:
    text, spans = sentence_to_text(sent)
    return Example(text, normalize_spans(text, spans), register)


def load(path: str | Path, register: str | None = None) -> list[Example]:
    """One example per sentence / segment of a UlyssesNER-Br CoNLL file."""
    reg = register or Path(path).stem
    with open(path, encoding="utf-8") as fh:
        return [sentence_to_example(sent, reg) for sent in read_conll(fh)]
