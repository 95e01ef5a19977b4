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
import unicodedata

from spacy.lang.pt.stop_words import STOP_WORDS

from services.anonymizer.gazetteer import is_place
from services.anonymizer.ner import lexicon
from services.anonymizer.ner.conventions import GLUED_TITLE, TITLE_WORDS

_WORD = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W_])?\.?|\S", re.UNICODE)
_PARTICLES = frozenset({"da", "de", "do", "das", "dos", "e", "d'", "di", "del", "van", "von", "der", "du", "y",
                        "della", "dello", "la", "le"})
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


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
    caps = all(w.isupper() for w in text[start:end].split() if fold(w) not in _PARTICLES)

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


def split_person(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """[(type, start, end)] for one NER PERSON span (see module docstring); [] when nothing is a name."""
    toks = _tokens(text, start, end)
    if not any(_is_cap(w) for _, _, w in toks):
        return [("PERSON", start, end)]  # lower-case text: trust the model
    runs: list[list[tuple[int, int, str]]] = []
    extra: list[tuple[str, int, int]] = []
    preceding: list[str] = []  # the word before each run
    current: list[tuple[int, int, str]] = []
    prev_word = fold(text[max(0, start - 30):start].split()[-1]) if text[max(0, start - 30):start].split() else ""
    for i, (s, e, w) in enumerate(toks):
        glued = GLUED_TITLE.match(w)
        if glued and glued.end() < len(w):  # "D.Teresa", "Sr.António"
            s, w = s + glued.end(), w[glued.end():]
        bare = fold(w.rstrip("."))
        nxt = toks[i + 1][2] if i + 1 < len(toks) else ""
        party_uf = re.match(r"^([A-Za-z]+)[-/]([A-Z]{2})[,;:]?$", w)
        if party_uf and party_uf.group(1) in PARTIES | {"PHS", "PRP", "PSDC", "PTN", "PT do B"}:  # "PHS-MG"
            if current:
                runs.append(current)
                current = []
            extra.append(("ORGANIZATION", s, s + party_uf.end(1)))
            if party_uf.group(2) in _UF_CODES:
                extra.append(("LOCATION", s + party_uf.start(2), s + party_uf.end(2)))
            continue
        if w in PARTIES or w.rstrip(",;:") in _UF_CODES:  # "FULANO DEM - SP": party and state
            if current:
                runs.append(current)
                current = []
            extra.append(("ORGANIZATION" if w in PARTIES else "LOCATION", s, s + len(w.rstrip(",;:"))))
            prev_word = bare
            continue
        if _is_cap(w) and w.isalpha() is False and not any(c.isalpha() for c in w):
            is_name = False
        elif _is_cap(w):
            # titles / function words only at the start of a run; inside a run "Santos" stays
            is_name = not ((bare in _TITLES or bare in _NOT_NAME) and not current) or (w.isupper() and len(w) > 1
                                                                                      and bare not in _TITLES
                                                                                      and bare not in _NOT_NAME)
            if current and bare in _NOT_NAME and bare not in _PARTICLES:
                is_name = False
        else:
            is_name = False
        full_words = [t[2] for t in current if fold(t[2]) not in _PARTICLES and sum(c.isalpha() for c in t[2]) > 1]
        if is_name and full_words and sum(c.isalpha() for c in w) > 1:
            caps_run = all(t.isupper() for t in full_words)
            if caps_run != w.isupper():
                # "NÍDIA CORRÊA LIMA Acórdão", "Laudívio Carvalho JUSTIFICAÇÃO": the case changes, the name ends
                runs.append(current)
                current = []
                is_name = False
                preceding.append(bare)
                prev_word = bare
                continue
        if is_name:
            current.append((s, e, w))
            if w.endswith((",", ";", ":")):
                runs.append(current)
                current = []
            continue
        if current and bare in _PARTICLES and _is_cap(nxt):
            # "Mónica e D.Teresa", "Ana e Maria": "e" between two given names joins two people
            nxt_glued = GLUED_TITLE.match(nxt)
            two_people = bare == "e" and (bool(nxt_glued) or len(current) == 1
                                          or fold(nxt.rstrip(".,;:")) in _FIRST_NAMES)
            if not two_people and fold(nxt.rstrip(".,;:")) not in _ORG_HEADS:
                current.append((s, e, w))
                continue
        if current:
            while current and fold(current[-1][2]) in _PARTICLES:
                current.pop()
            if current:
                runs.append(current)
            current = []
        preceding.append(bare)
        prev_word = bare
        if not runs and not current:
            continue
    if current:
        while current and fold(current[-1][2]) in _PARTICLES:
            current.pop()
        if current:
            runs.append(current)
    out: list[tuple[str, int, int]] = []
    for run in runs:
        if not any(sum(c.isalpha() for c in w) >= 2 for _, _, w in run):
            continue  # a lone initial ("N.") is not a name
        rs, re_ = run[0][0], run[-1][1]
        before = text[max(0, rs - 20):rs].split()
        before_word = fold(before[-1]) if before else prev_word
        value = fold(text[rs:re_].strip(".,;:"))
        if is_place(text[rs:re_]) or (before_word in _LOCATIVE and value in _PLACES):
            out.append(("LOCATION", rs, re_))
        elif fold(run[0][2]) in _ORG_HEADS:
            out.append(("ORGANIZATION", rs, re_))
        else:
            out.append(("PERSON", *extend_person(text, rs, re_)))
    return sorted(out + extra, key=lambda x: x[1])


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
        while len(words) > 1 and (fold(words[-1][2]) in _NOT_NAME or fold(words[-1][2]) in _PARTICLES):
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
