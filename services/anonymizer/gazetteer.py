"""Place names NER left alone: countries, Brazilian states and capitals, frequent foreign cities.

`place_candidates(text)` returns capitalised occurrences of these names; the analyzer adds them as
LOCATION with a score below NER's, so any NER span on the same characters (an organization such as
"Banco do Brasil", a person) wins the overlap. Names that are also common first names, surnames or
words ("Santos", "Vitória", "Natal", "Palmas") are not listed.
"""

from __future__ import annotations

import functools
import re

from services.anonymizer.ner import lexicon

COUNTRIES = """
Afeganistão|África do Sul|Albânia|Alemanha|Angola|Arábia Saudita|Argélia|Argentina|Armênia|Austrália|Áustria|
Bangladesh|Bélgica|Bolívia|Bósnia|Brasil|Bulgária|Cabo Verde|Camarões|Camboja|Canadá|Catar|Cazaquistão|Chile|
China|Chipre|Colômbia|Coreia do Norte|Coreia do Sul|Costa do Marfim|Costa Rica|Croácia|Cuba|Dinamarca|Egito|
El Salvador|Emirados Árabes Unidos|Equador|Escócia|Eslováquia|Eslovênia|Espanha|Estados Unidos|Estônia|Etiópia|
Filipinas|Finlândia|França|Gana|Grécia|Guatemala|Guiana|Guiana Francesa|Guiné|Guiné-Bissau|Guiné Equatorial|
Haiti|Holanda|Honduras|Hungria|Índia|Indonésia|Inglaterra|Irã|Iraque|Irlanda|Islândia|Israel|Itália|Jamaica|
Japão|Jordânia|Kuwait|Letônia|Líbano|Líbia|Lituânia|Luxemburgo|Macedônia|Madagascar|Malásia|Marrocos|México|
Moçambique|Mongólia|Nepal|Nicarágua|Nigéria|Noruega|Nova Zelândia|Países Baixos|Palestina|Panamá|Paquistão|
Paraguai|Peru|Polônia|Portugal|Quênia|Reino Unido|República Dominicana|República Tcheca|Romênia|Ruanda|Rússia|
São Tomé e Príncipe|Senegal|Sérvia|Singapura|Síria|Somália|Sudão|Suécia|Suíça|Suriname|Tailândia|Taiwan|
Tanzânia|Timor-Leste|Burkina Faso|Burundi|Benim|Botsuana|Chade|Comores|Djibuti|Eritreia|Gabão|Gâmbia|Lesoto|Libéria|Malawi|Mali|Mauritânia|Namíbia|Níger|Serra Leoa|Togo|
Tunísia|Turquia|Ucrânia|Uganda|Uruguai|Venezuela|Vietnã|Zâmbia|Zimbábue|
Europa|América Latina|América do Sul|América do Norte|América Central|África|Ásia|Oceania|Amazônia|
Nordeste|Centro-Oeste|Pantanal|Cerrado|Caatinga
"""
FOREIGN_CITIES = """
Lisboa|Coimbra|Braga|Paris|Londres|Madri|Madrid|Roma|Nova York|Nova Iorque|Washington|Buenos Aires|Montevidéu|
Assunção|Bogotá|Caracas|Luanda|Maputo|Berlim|Tóquio|Pequim|Moscou|Genebra|Bruxelas|Barcelona|Miami|Havana|
Dili|Bissau|Viena|Amsterdã|Atenas|Jerusalém|Cairo|Nova Délhi|Xangai|Hong Kong|Los Angeles|Chicago|Toronto|Sevilha
"""
#: Capitals and lexicon municipalities that are names or common words: never matched on their own.
AMBIGUOUS = frozenset("""
santos vitória vitoria natal palmas sobral franca barra serra cruz esperança bonito mariana carolina
santana são josé sao jose independência independencia união uniao brasília brasilia
""".split()) | frozenset({"são josé", "sao jose", "santa maria", "santa rita", "santa luzia", "são pedro",
                                   "distrito federal"})


@functools.lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The unambiguous place names (as written)."""
    names = {n.strip() for n in (COUNTRIES + "|" + FOREIGN_CITIES).replace("\n", "").split("|") if n.strip()}
    names |= set(lexicon.UFS.values())
    names |= {c for c, _ in lexicon.CITIES}
    firsts = {n.casefold() for n in lexicon.FIRST_NAMES} | {n.casefold() for n in lexicon.SURNAMES}
    return frozenset(n for n in names if n.casefold() not in AMBIGUOUS and n.casefold() not in firsts)


@functools.lru_cache(maxsize=1)
def _folded_places() -> frozenset[str]:
    return frozenset(n.casefold() for n in place_names())


def is_place(value: str) -> bool:
    """A listed, unambiguous place name ("Grécia", "Burkina Faso" is not listed, "Lisboa" is)."""
    return " ".join(value.split()).casefold() in _folded_places()


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = place_names()
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(r"(?<![\w.-])(?:" + alternation + r")(?![\w-])")


def place_candidates(text: str) -> list[tuple[int, int]]:
    """(start, end) of listed place names, written with their capitals as listed or in ALL CAPS."""
    out = []
    for m in _pattern().finditer(text):
        before = text[max(0, m.start() - 12):m.start()].casefold()
        if re.search(r"(?:estado|governo|município|municipio|prefeitura|banco|universidade|tribunal)\s+d[eoa]s?\s*$",
                     before):
            continue  # part of a body's name ("Estado de Mato Grosso" as a party, "Banco do Brasil"): NER decides
        out.append(m.span())
    return out
