"""Where a PERSON span starts and ends, and names NER missed (rules on top of the NER model).

* `split_person(text, start, end)`: a PERSON span ends at the name. NER spans sometimes swallow the
  words around a name ("Ontem Maria Souza ligou de Brasília" as one span); the span is cut into runs of
  capitalised words joined only by name particles ("da", "dos", "e"), leading titles / function words
  ("Ontem", "Sr.", "D.Teresa", "Deputado") are dropped, and a run introduced by a locative preposition
  ("de Brasília") that is a known place becomes LOCATION instead of PERSON. Spans written all in lower
  case (complaints typed without capitals) are left as NER gave them.
* `name_candidates(text)`: capitalised sequences that start with a known first name ("Mónica",
  "Tim Harris" needs a known first name too, so it relies on NER), for recall; the analyzer only keeps
  them where NER found nothing (they score below NER, see engine.resolve_overlaps).
"""

from __future__ import annotations

import re

from spacy.lang.pt.stop_words import STOP_WORDS

from services.anonymizer.gazetteer import is_place
from services.anonymizer.ner import lexicon
from services.anonymizer.ner.conventions import GLUED_TITLE, PARTICLES, TITLE_WORDS, fold

_WORD = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W_])?\.?|\S", re.UNICODE)
_LOCATIVE = frozenset({"de", "em", "para", "a", "até", "no", "na", "do", "da", "pra", "ao", "à", "desde", "rumo"})
#: Capitalised words that begin sentences or headings but are not names.
_NOT_NAME_CAPS = frozenset("""
ontem hoje amanhã anteontem agora depois antes então já ainda também segundo conforme após durante enquanto
quando onde como porque porém contudo entretanto todavia assim logo aqui ali lá nunca sempre talvez sim não
bom boa olá oi prezado prezada caro cara querido querida obrigado obrigada atenciosamente cordialmente
agte agtes agdo agda agdos apte apdo apda recte recdo impte impdo reqte reqdo embte embdo intdo intda adv advs
proc rel aco acórdão acordao assinado assinada eletronicamente documento relatório relatorio voto ementa
turma cível civel criminal especial desembargadores julgadores ínclitos inclitos ministros agravo interno recurso
apelação apelacao código codigo verificação verificacao admissibilidade
cpf rg cnpj cnh pis pasep nit cns cep sus oab crm crea siape matrícula matricula mat tel telefone email e-mail
sala sessões sessão plenário considerando art artigo parágrafo inciso lei decreto projeto emenda
""".split()) | frozenset(w for w in STOP_WORDS)


_TITLES = frozenset(fold(w.rstrip(".")) for w in TITLE_WORDS) | frozenset(fold(w.rstrip(".")) for w in lexicon.TITLES)
_NOT_NAME = frozenset(fold(w) for w in _NOT_NAME_CAPS) - {"maria"}
#: Foreign cities frequent in Portuguese-language news (the lexicon has Brazilian municipalities).
_FOREIGN_CITIES = ("Lisboa", "Porto", "Coimbra", "Braga", "Faro", "Paris", "Londres", "Madri", "Madrid", "Roma",
                   "Nova York", "Nova Iorque", "Washington", "Buenos Aires", "Montevidéu", "Santiago", "Lima",
                   "Bogotá", "Caracas", "Luanda", "Maputo", "Berlim", "Tóquio", "Pequim", "Moscou", "Genebra",
                   "Bruxelas", "Barcelona", "Miami", "México", "Havana", "Dili", "Macau", "Praia", "Bissau")
_PLACES = frozenset(fold(p) for p in (*(c for c, _ in lexicon.CITIES), *lexicon.COUNTRIES, *lexicon.UFS.values(),
                                      *_FOREIGN_CITIES))
#: First names that are also common words, places or months: never a name on their own.
_AMBIGUOUS_FIRST = frozenset(fold(w) for w in """
rosa luz paz cruz graça gloria glória vitória vitoria aurora rita? dores neves fé flor esperança
clara socorro conceição conceicao natal pedro? júlio? júnior junior brasil franca frança santos
""".split() if not w.endswith("?"))
_FIRST_NAMES = frozenset(fold(n) for n in lexicon.FIRST_NAMES) - _AMBIGUOUS_FIRST


#: Party acronyms that follow a parliamentarian's name in bills ("Deputado FULANO DEM - SP").
PARTIES = frozenset("""
PT PSDB PSD MDB PMDB DEM PP PL PSB PDT PTB PSOL PCdoB PCDOB PSC PR PROS PV REDE NOVO PODE PODEMOS SOLIDARIEDADE SD
AVANTE PATRIOTA PATRI CIDADANIA PHS PRP PTN PSDC PSL PRB REPUBLICANOS UNIÃO PMN PHS PTC DC PMB PRTB PSTU PCO PPS PPL PEN PTdoB
""".split())
_UF_CODES = frozenset(lexicon.UFS)
#: Words that start an organization: a particle before them ends a name ("Narciso Garcia do Instituto").
_ORG_HEADS = frozenset(fold(w) for w in """
Instituto Universidade Departamento Ministério Secretaria Tribunal Câmara Senado Assembleia Banco Empresa
Hospital Escola Faculdade Centro Conselho Fundação Associação Sindicato Partido Governo Prefeitura Estado
Município Comarca Vara Procuradoria Defensoria Polícia Receita Agência Instituição Colégio Clube Comissão
""".split())


def _is_cap(word: str) -> bool:
    first = next((c for c in word if c.isalpha()), "")
    return bool(first) and first.isupper()


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start() + start, m.end() + start, m.group()) for m in _WORD.finditer(text[start:end])]


def extend_person(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a PERSON span over capitalised name words right next to it that NER left out
    ("Elói [Tarcísio Carneiro da Rocha]"), but not over titles, function words, places or organizations."""
    caps = all(w.isupper() for w in text[start:end].split() if fold(w) not in PARTICLES)

    def ok(word: str) -> bool:
        bare = fold(word.rstrip("."))
        return ((word.isupper() and len(word) > 1) == caps and _is_cap(word) and word.isalpha() and len(word) > 1 and bare not in _NOT_NAME and bare not in _TITLES
                and bare not in _ORG_HEADS and word not in PARTIES and not is_place(word))

    while True:
        m = re.search(r"(?:^|(?<=[\s(]))([^\W\d_][\w'’-]*) $", text[max(0, start - 40):start])
        if not m or not ok(m.group(1)):
            break
        new_start = start - len(m.group(1)) - 1
        prefix = text[:new_start].rstrip(" \t")
        if (not prefix or prefix.endswith((".", "!", "?", ":", "\n"))) and fold(m.group(1)) not in _FIRST_NAMES:
            break  # a capitalised word opening a sentence is a name only if it is a known first name
        start = new_start
    while True:
        m = re.match(r" ((?:d[aeo]s? |e )?)([^\W\d_][\w'’-]*)(?![\w'’-])", text[end:end + 40])
        if not m or not ok(m.group(2)) or (m.group(1) and not _is_cap(m.group(2))):
            break
        end += m.end()
    return start, end


#: Party spellings written glued to a state ("PHS-MG", "PT do B/SP").
_PARTY_SPELLINGS = PARTIES | {"PHS", "PRP", "PSDC", "PTN", "PT do B"}
_PARTY_UF = re.compile(r"^([A-Za-z]+)[-/]([A-Z]{2})[,;:]?$")

Token = tuple[int, int, str]


def _party_with_state(s: int, w: str) -> list[tuple[str, int, int]] | None:
    """The party (ORGANIZATION) and state (LOCATION) spans of a "PHS-MG" token; None for other tokens."""
    party_uf = _PARTY_UF.match(w)
    if not party_uf or party_uf.group(1) not in _PARTY_SPELLINGS:
        return None
    marks = [("ORGANIZATION", s, s + party_uf.end(1))]
    if party_uf.group(2) in _UF_CODES:
        marks.append(("LOCATION", s + party_uf.start(2), s + party_uf.end(2)))
    return marks


def _is_name_word(w: str, bare: str, current: list[Token]) -> bool:
    """Whether a word continues (or starts) a name: capitalised; titles / function words only at the start
    of a run are dropped (inside a run "Santos" stays)."""
    if not _is_cap(w):
        return False
    is_name = not ((bare in _TITLES or bare in _NOT_NAME) and not current) or (w.isupper() and len(w) > 1
                                                                              and bare not in _TITLES
                                                                              and bare not in _NOT_NAME)
    return is_name and not (current and bare in _NOT_NAME and bare not in PARTICLES)


def _case_changes(current: list[Token], w: str) -> bool:
    """Whether the case changes after the name's words, which ends it ("NÍDIA CORRÊA LIMA Acórdão",
    "Laudívio Carvalho JUSTIFICAÇÃO")."""
    full_words = [t[2] for t in current if fold(t[2]) not in PARTICLES and sum(c.isalpha() for c in t[2]) > 1]
    if not full_words or sum(c.isalpha() for c in w) <= 1:
        return False
    return all(t.isupper() for t in full_words) != w.isupper()


def _joins_names(current: list[Token], bare: str, nxt: str) -> bool:
    """A particle inside a name ("Maria da Silva"); not "e" between two people ("Mónica e D.Teresa",
    "Ana e Maria": two given names) nor a particle before an organization ("Garcia do Instituto")."""
    if not (current and bare in PARTICLES and _is_cap(nxt)):
        return False
    two_people = bare == "e" and (bool(GLUED_TITLE.match(nxt)) or len(current) == 1
                                  or fold(nxt.rstrip(".,;:")) in _FIRST_NAMES)
    return not two_people and fold(nxt.rstrip(".,;:")) not in _ORG_HEADS


class _NameRuns:
    """The runs of name words of one PERSON span, the party / state spans met on the way, and the last
    word seen outside a name (`prev_word`: what introduces a run with no word before it in the text)."""

    def __init__(self, prev_word: str) -> None:
        self.runs: list[list[Token]] = []
        self.extra: list[tuple[str, int, int]] = []
        self.current: list[Token] = []
        self.prev_word = prev_word

    def cut(self) -> None:
        """End the current run where it is."""
        if self.current:
            self.runs.append(self.current)
            self.current = []

    def close(self) -> None:
        """End the current run without its trailing particles."""
        while self.current and fold(self.current[-1][2]) in PARTICLES:
            self.current.pop()
        self.cut()

    def party_or_state(self, s: int, w: str, bare: str) -> bool:
        """A party or state after a name ("FULANO PHS-MG", "FULANO DEM - SP"): recorded, the run ended."""
        marks = _party_with_state(s, w)
        if marks is not None:
            self.cut()
            self.extra.extend(marks)
            return True
        if w in PARTIES or w.rstrip(",;:") in _UF_CODES:
            self.cut()
            self.extra.append(("ORGANIZATION" if w in PARTIES else "LOCATION", s, s + len(w.rstrip(",;:"))))
            self.prev_word = bare
            return True
        return False

    def add(self, token: Token, nxt: str) -> None:
        s, e, w = token
        glued = GLUED_TITLE.match(w)
        if glued and glued.end() < len(w):  # "D.Teresa", "Sr.António"
            s, w = s + glued.end(), w[glued.end():]
        bare = fold(w.rstrip("."))
        if self.party_or_state(s, w, bare):
            return
        if _is_name_word(w, bare, self.current):
            if _case_changes(self.current, w):
                self.cut()
                self.prev_word = bare
                return
            self.current.append((s, e, w))
            if w.endswith((",", ";", ":")):
                self.cut()
            return
        if _joins_names(self.current, bare, nxt):
            self.current.append((s, e, w))
            return
        self.close()
        self.prev_word = bare


def _typed_run(text: str, run: list[Token], prev_word: str) -> tuple[str, int, int] | None:
    """A run as LOCATION (a known place, or a place after a locative preposition), ORGANIZATION (it starts
    with an organization word) or PERSON (grown over adjacent name words); None for a lone initial ("N.")."""
    if not any(sum(c.isalpha() for c in w) >= 2 for _, _, w in run):
        return None
    rs, re_ = run[0][0], run[-1][1]
    before = text[max(0, rs - 20):rs].split()
    before_word = fold(before[-1]) if before else prev_word
    value = fold(text[rs:re_].strip(".,;:"))
    if is_place(text[rs:re_]) or (before_word in _LOCATIVE and value in _PLACES):
        return ("LOCATION", rs, re_)
    if fold(run[0][2]) in _ORG_HEADS:
        return ("ORGANIZATION", rs, re_)
    return ("PERSON", *extend_person(text, rs, re_))


def split_person(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """[(type, start, end)] for one NER PERSON span (see module docstring); [] when nothing is a name."""
    toks = _tokens(text, start, end)
    if not any(_is_cap(w) for _, _, w in toks):
        return [("PERSON", start, end)]  # lower-case text: trust the model
    before = text[max(0, start - 30):start].split()
    names = _NameRuns(fold(before[-1]) if before else "")
    for i, token in enumerate(toks):
        names.add(token, toks[i + 1][2] if i + 1 < len(toks) else "")
    names.close()
    out = [typed for run in names.runs if (typed := _typed_run(text, run, names.prev_word)) is not None]
    return sorted(out + names.extra, key=lambda x: x[1])


_CAP_WORD = r"(?:[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+|[A-ZÀ-ÖØ-Þ]{2,})"
_NAME_SEQ = re.compile(r"(?<![\w.])(?:(?:D|Sr|Sra|Dr|Dra)\.\s?)?(" + _CAP_WORD +
                       r"(?:\s(?:(?:d[aeo]s?|e)\s)?" + _CAP_WORD + r"){0,4})(?![\w])")


def name_candidates(text: str) -> list[tuple[int, int]]:
    """(start, end) of capitalised sequences that begin with a known (unambiguous) first name, after
    nothing but titles or sentence-initial function words ("Ontem Maria Souza" -> "Maria Souza";
    "Rua Maria Souza" is left to the street recognizer)."""
    out = []
    for m in _NAME_SEQ.finditer(text):
        words = [(w.start() + m.start(1), w.end() + m.start(1), w.group()) for w in re.finditer(r"\S+", m.group(1))]
        i = 0
        while i < len(words) and fold(words[i][2]) not in _FIRST_NAMES:
            if fold(words[i][2].rstrip(".")) not in _NOT_NAME and fold(words[i][2].rstrip(".")) not in _TITLES:
                i = len(words)
                break
            i += 1
        if i >= len(words):
            continue
        words = words[i:]
        while len(words) > 1 and (fold(words[-1][2]) in _NOT_NAME or fold(words[-1][2]) in PARTICLES):
            words.pop()
        groups, cur = [], []
        for j, w in enumerate(words):
            if w[2] == "e" and cur and j + 1 < len(words) and fold(words[j + 1][2]) in _FIRST_NAMES:
                groups.append(cur)
                cur = []
                continue
            cur.append(w)
        groups.append(cur)
        for g in groups:
            if not g or (len(g) == 1 and g[0][2].isupper()):
                continue  # one upper-case word: a heading or an acronym more often than a name
            out.append((g[0][0], g[-1][1]))
    return out
