"""Tell public bodies ("Tribunal de Contas da União", "Prefeitura de Campinas") from private parties.

Names of public bodies are not personal data (LGPD protects natural persons); keeping them makes
anonymized documents far more useful to the teacher. Organizations that are not clearly public stay
anonymized: when in doubt, protect.
"""

from __future__ import annotations

import re
import unicodedata

_HEADS = [
    r"tribunal", r"supremo tribunal", r"superior tribunal", r"justi[cç]a (federal|estadual|eleitoral|do trabalho|militar)",
    r"minist[eé]rio", r"secretaria", r"prefeitura", r"c[aâ]mara (municipal|dos deputados|legislativa)",
    r"senado", r"assembleia legislativa", r"congresso nacional", r"procuradoria", r"defensoria",
    r"advocacia[- ]geral", r"controladoria", r"corregedoria", r"ouvidoria", r"pol[ií]cia", r"receita federal",
    r"banco central", r"tesouro nacional", r"fazenda (nacional|p[uú]blica)", r"governo", r"presid[eê]ncia",
    r"casa civil", r"uni[aã]o", r"estado d[eoa]", r"munic[ií]pio d[eoa]", r"distrito federal", r"conselho (nacional|federal|estadual|regional|superior)",
    r"ag[eê]ncia nacional", r"instituto nacional", r"instituto federal", r"instituto brasileiro",
    r"universidade (federal|estadual)", r"funda[cç][aã]o (nacional|universidade|oswaldo cruz)", r"autarquia",
    r"departamento (nacional|de pol[ií]cia|estadual|de tr[aâ]nsito)", r"detran", r"vara", r"comarca", r"ju[ií]zo",
    r"f[oó]rum", r"delegacia", r"superintend[eê]ncia", r"comando", r"ex[eé]rcito", r"marinha", r"aeron[aá]utica",
    r"for[cç]as armadas", r"minist[eé]rio p[uú]blico", r"parquet", r"turma recursal", r"turma", r"c[aâ]mara c[ií]vel",
    r"c[aâ]mara criminal", r"se[cç][aã]o", r"plen[aá]rio", r"corte especial", r"gabinete", r"sistema [uú]nico de sa[uú]de",
    r"previd[eê]ncia social", r"caixa econ[oô]mica federal", r"banco do brasil", r"correios",
    r"empresa brasileira de correios", r"petrobras", r"companhia de saneamento", r"servi[cç]o federal",
]
_ACRONYMS = {
    "STF", "STJ", "TST", "TSE", "STM", "TCU", "CGU", "AGU", "PGR", "PGFN", "MPF", "MPT", "MPU", "DPU", "TRF", "TRT",
    "TRE", "TJ", "TJSP", "TJRJ", "TJMG", "TJRS", "TJPR", "TJDFT", "TCE", "TCM", "CNJ", "CNMP", "INSS", "IBAMA",
    "ICMBIO", "ANVISA", "ANATEL", "ANEEL", "ANP", "ANS", "ANA", "ANTT", "ANAC", "IBGE", "IPEA", "INCRA", "FUNAI",
    "BACEN", "BCB", "CVM", "CADE", "DNIT", "DPF", "PF", "PRF", "SUS", "FNDE", "INEP", "CAPES", "CNPQ", "EMBRAPA",
    "FIOCRUZ", "SERPRO", "DATAPREV", "CEF", "BNDES", "ECT", "OAB", "DETRAN", "SEFAZ", "PGE", "PGM", "MP", "MPE",
    "MPSP", "MPRJ", "MPMG", "DPE", "CMN", "RFB", "SRF", "UF", "UFRJ", "UFMG", "USP", "UNICAMP", "UNB", "UFSC",
    "UFRGS", "UFPE", "UFBA", "UFC", "UFPR", "ANPD", "CONAMA", "CARF", "SENADO", "TRIBUNAL",
}
_HEAD_RE = re.compile(r"^(?:(?:o|a|os|as|ao|à|do|da|dos|das|pelo|pela|e[gx]r[eé]gio|colendo|excelso)\s+)*(?:" +
                      "|".join(_HEADS) + r")\b", re.IGNORECASE)
_ACRONYM_RE = re.compile(r"^[A-ZÀ-Ú]{2,10}(?:[-/ ][A-Z]{1,4}(?:\d{1,2})?)?(?:\s*\d+[ªº]?\s*(?:regi[aã]o)?)?$")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def is_public_body(name: str) -> bool:
    """True when an ORGANIZATION span names a public body (by its head words or known acronym)."""
    text = " ".join(name.split())
    if not text:
        return False
    if _HEAD_RE.match(text):
        return True
    head = _strip_accents(text.split()[0]).upper().strip(".,;:()")
    if head in _ACRONYMS:
        return True
    if _ACRONYM_RE.match(text):
        base = re.split(r"[-/ \d]", _strip_accents(text).upper())[0]
        return base in _ACRONYMS
    return False
