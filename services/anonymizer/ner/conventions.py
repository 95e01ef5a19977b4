"""Annotation conventions shared by the corpus readers (what counts as PERSON for PII).

The corpora annotate PESSOA more widely than a PII anonymizer needs: UlyssesNER-Br tags roles and
groups ("Deputado", "motoristas", "parlamentares"), HAREM includes titles and forms of address
("Senhora Presidente", "tio Zeca", "professor Romero"). Our convention (the one the synthetic
generator and the service's span trimming follow) is that a PERSON span is the *name*:

* leading titles, roles and forms of address are not part of it ("Deputado Hugo Leal" -> "Hugo Leal",
  "Sr. António" -> "António", "D. Teresa" -> "Teresa");
* a span with no capitalised word left (a role, a group, a common noun) is not a PERSON at all.

`clean_person` applies this to one gold span given as character offsets in a text.
"""

from __future__ import annotations

import re
import unicodedata

#: The corpora's categories that are personal-data entities here (LeNER-Br, UlyssesNER-Br, HAREM); every
#: other category (TEMPO, LEGISLACAO, VALOR, ...) is not an entity for the anonymizer.
LABEL_MAP = {"PESSOA": "PERSON", "LOCAL": "LOCATION", "ORGANIZACAO": "ORGANIZATION"}

#: Titles / roles / forms of address that precede a name (compared accent- and case-insensitively).
TITLE_WORDS = frozenset("""
sr sr. sra sra. srta srta. srs srs. sras senhor senhora senhorita senhores senhoras
dr dr. dra dra. drs dr.ª doutor doutora doutores dom dona d d. dª exmo exmo. exma exma. ilmo ilmo. ilma ilma.
prof prof. profa profa. prof.ª professor professora mestre
deputado deputada deputados deputadas dep dep. deputado(a) senador senadora senadores sen sen.
vereador vereadora vereadores governador governadora prefeito prefeita presidente presidenta
vice vice-presidente vice-prefeito vice-governador ministro ministra ministros min min.
desembargador desembargadora des des. juiz juiza juíza juizes relator relatora relatores conselheiro conselheira
procurador procuradora promotor promotora defensor defensora delegado delegada secretario secretaria
secretário secretária diretor diretora coordenador coordenadora assessor assessora
padre frei irmã irmão madre papa santo santa são pastor pastora bispo cardeal rei rainha principe príncipe
general coronel capitão capitao major tenente sargento cabo soldado comandante almirante marechal
eng eng. engenheiro engenheira arq arq. advogado advogada adv adv. tio tia avô avó mister miss mr mr. mrs mrs.
federal estadual distrital autor autora autores líder lider chefe chefes membro membros
""".split())

#: Role / group nouns that UlyssesNER tags as PESSOA when capitalised ("Parlamentares").
ROLE_WORDS = TITLE_WORDS | frozenset("""
parlamentar parlamentares políticos politicos político politico militares militar juízes juizes magistrados
magistrado senadores promotores professores médicos medicos médico medico servidores servidor
cidadão cidadãos cidadania povo população eleitores eleitor contribuintes contribuinte trabalhadores
trabalhador agricultores policiais bombeiros mouros governantes governo estado deus relatoria
mesa comissão plenário associado associada adjunto adjunta titular direcção direção diretoria
guarda-parque vigilante voluntário voluntária ambiental agente agentes congressista congressistas pares
representantes representante líderes brasileiros brasileiras república músico músicos soldados oficiais
servidores federais estaduais municipais povos celtas romanos suevos visigodos mouros árabes judeus cristãos
muçulmanos portugueses espanhóis franceses ingleses alemães índios indígenas bcs pms
""".split())

#: Particles between the words of a name ("Maria da Silva", "Ludwig van Beethoven"), compared folded.
PARTICLES = frozenset({"de", "da", "do", "das", "dos", "e", "di", "del", "della", "van", "von", "der", "du",
                       "la", "le", "y", "d'", "dello"})
_TOKEN = re.compile(r"\S+")
#: Sentence-initial articles / determiners ("Os servidores federais").
_ARTICLES = frozenset({"o", "a", "os", "as", "um", "uma", "uns", "umas", "nossos", "nossas", "nosso", "nossa",
                       "seu", "sua", "seus", "suas", "este", "esta", "estes", "estas", "esse", "essa", "esses",
                       "essas", "aquele", "aquela", "todos", "todas", "cada"})


def fold(word: str) -> str:
    """Case- and accent-insensitive form of a word ("Conceição" -> "conceicao")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TITLE_FOLDED = frozenset(fold(w) for w in TITLE_WORDS)
_ROLE_FOLDED = frozenset(fold(w) for w in ROLE_WORDS)
#: "D.Teresa", "Sr.António", "Dr.Paulo": a title glued to the name by its full stop.
GLUED_TITLE = re.compile(r"^(?:sr|sra|srta|dr|dra|d|dª|prof|profa|exmo|exma|dep|sen|eng|min)\.(?=[^\W\d_])",
                         re.IGNORECASE)


def _is_capitalised(word: str) -> bool:
    first = next((c for c in word if c.isalpha()), "")
    return bool(first) and first.isupper()


def clean_person(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name inside a gold PESSOA span (titles/roles stripped), or None if there is no name."""
    tokens = [(m.start() + start, m.end() + start, m.group()) for m in _TOKEN.finditer(text[start:end])]
    # drop leading titles, roles, particles and lower-case words ("o", "senhor", "tio")
    stripped_title = False
    while tokens:
        s, e, w = tokens[0]
        glued = GLUED_TITLE.match(w)
        if glued and glued.end() < len(w):
            tokens[0] = (s + glued.end(), e, w[glued.end():])
            continue
        bare = fold(w.strip(".,;:"))
        if bare in _TITLE_FOLDED or fold(w) in _TITLE_FOLDED:
            stripped_title = True
            tokens.pop(0)
            continue
        if stripped_title and fold(w) in PARTICLES:
            return None  # "Presidente da Direcção", "Ministro da Saúde": a role, not a name
        if w in {".", ",", "-", "–", "(", ")"} or not _is_capitalised(w) or (bare in _ARTICLES | PARTICLES and "." not in w):
            tokens.pop(0)
            continue
        break
    # drop trailing punctuation / lower-case words
    while tokens and (not any(c.isalnum() for c in tokens[-1][2])
                      or (not _is_capitalised(tokens[-1][2]) and fold(tokens[-1][2]) not in PARTICLES)):
        tokens.pop()
    while tokens and fold(tokens[-1][2]) in PARTICLES:
        tokens.pop()
    if not tokens:
        return None
    words = [fold(w.strip(".,;:")) for _, _, w in tokens]
    if all(w in _ROLE_FOLDED or w in PARTICLES for w in words):
        return None
    return tokens[0][0], tokens[-1][1]


def is_url_like(value: str) -> bool:
    v = value.replace(" ", "").casefold()
    return v.startswith(("http", "www.")) or "://" in v or "@" in v


def normalize_spans(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Gold spans under the conventions: PERSON cleaned of titles (or dropped), URL-like LOCATION dropped."""
    out = []
    for s, e, label in spans:
        if label == "PERSON":
            cleaned = clean_person(text, s, e)
            if cleaned is None:
                continue
            s, e = cleaned
        elif label == "LOCATION" and is_url_like(text[s:e]):
            continue
        out.append((s, e, label))
    return out
