"""LOCATION from the shape of Brazilian addresses and letter headings, where NER is weakest.

* Street names: a street type ("Rua", "Av.", "Travessa"...) followed by capitalised words or numbers
  ("Rua Coronel Fernandes", "RUA SETE DE SETEMBRO"). Scored above the NER default so that a street
  named after a person becomes one LOCATION span instead of a PERSON span with "Rua" left in clear.
* Neighbourhood words ("Jardim Primavera", "Vila Nova", "Conjunto Cohab II"), scored below NER.
* The city that opens a dated line: "Mossoró, 13 de abril de 2025." / "Campinas/SP, 02/05/2024".
"""

from __future__ import annotations

from .base import BrPatternRecognizer, PatternSpec

#: A capitalised word (any case after the first letter, incl. ALL CAPS), or a street number word.
WORD = r"(?:[A-ZÀ-Ý][\wÀ-ÿ'’.\-]*|\d{1,4}[ºª°]?)"
PARTICLE = r"(?:d[aeo]s?|D[AEO]S?|e|E)"
NAME = WORD + r"(?:[\x20](?:" + PARTICLE + r"[\x20])?" + WORD + r"){0,6}"
STREET_TYPES = (r"(?:Rua|RUA|R\.|Avenida|AVENIDA|Av\.|AV\.|Travessa|TRAVESSA|Tv\.|Alameda|ALAMEDA|Al\.|Largo|"
                r"LARGO|Praça|PRAÇA|Pça\.|Estrada|ESTRADA|Rodovia|RODOVIA|Rod\.|Beco|BECO|Viela|Ladeira|"
                r"LADEIRA|Servidão)")
DISTRICT_TYPES = r"(?:Bairro|BAIRRO|Jardim|JARDIM|Jd\.|Vila|VILA|Conjunto|CONJUNTO|Residencial|Loteamento|Parque)"
MONTHS = r"(?:janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro)"
DATE = r"(?:\d{1,2}(?:º)?\s+de\s+" + MONTHS + r"\s+de\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})"


class StreetRecognizer(BrPatternRecognizer):
    ENTITY = "LOCATION"
    PATTERNS = (PatternSpec("street", r"(?<![\wÀ-ÿ])" + STREET_TYPES + r"[\x20](?:" + PARTICLE + r"[\x20])?" + NAME,
                            0.9),)


class DistrictRecognizer(BrPatternRecognizer):
    ENTITY = "LOCATION"
    PATTERNS = (PatternSpec("district", r"(?<![\wÀ-ÿ])" + DISTRICT_TYPES + r"[\x20]" + NAME, 0.6),)


class CompanyRecognizer(BrPatternRecognizer):
    """ORGANIZATION: capitalised words ending in a company's legal form ("Consultoria Vale Verde ME",
    "SAMPAIO & BASTOS INFORMÁTICA EIRELI", "Serra Dourada Construtora Ltda."). Scored above NER."""

    ENTITY = "ORGANIZATION"
    _WORD = r"(?!(?:O|A|Os|As|Ao|Aos|Na|No|Da|Do|De|Em|E|À)[\x20])[A-ZÀ-Ý0-9][\wÀ-ÿ'’.&-]+"
    _JOIN = r"(?:[\x20](?:&|e|E|d[aeo]s?|D[AEO]S?)[\x20]|[\x20])"
    _SUFFIX = r"(?:LTDA\.?|Ltda\.?|S\.A\.?|S/A|SA|ME|EPP|EIRELI|Eireli|Cia\.?)"
    PATTERNS = (PatternSpec("company", r"(?<![\wÀ-ÿ])" + _WORD + r"(?:" + _JOIN + _WORD + r"){0,7}?[\x20]" + _SUFFIX
                            + r"(?![\wÀ-ÿ])", 0.9),)


class DateLineCityRecognizer(BrPatternRecognizer):
    ENTITY = "LOCATION"
    PATTERNS = (PatternSpec("city_before_date", r"(?m)(?<=^[\x20\t]*)" + NAME + r"(?:/[A-Z]{2})?(?=,[\x20]+"
                            + DATE + r")", 0.8),)
