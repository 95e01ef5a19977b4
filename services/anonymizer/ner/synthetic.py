"""Deterministic generator of annotated Portuguese sentences for NER training and evaluation.

Sentences come from templates in several registers (ofícios, despachos, e-mails, ouvidoria complaints,
news, forms, legal decisions, chat-like messages) whose slots are filled from `lexicon`. Entities are
returned as character spans `(start, end, label)` with labels PERSON, LOCATION and ORGANIZATION.

Training uses `TRAIN_TEMPLATES`; evaluation uses `EVAL_TEMPLATES`, a separate set of templates that is
never used for training (pass `eval_templates=True`), together with a different seed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import lexicon as lx

LABELS = ("PERSON", "LOCATION", "ORGANIZATION")


@dataclass
class Example:
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    register: str = ""


# --------------------------------------------------------------------------------------------------
# Slot fillers
# --------------------------------------------------------------------------------------------------

_SYL_START = ("Ba", "Be", "Bra", "Ca", "Cle", "Da", "De", "Di", "E", "Fa", "Fe", "Ga", "Ge", "Gi", "Ja",
              "Jo", "Ju", "Ka", "La", "Le", "Li", "Lu", "Ma", "Me", "Mi", "Na", "Ne", "O", "Pa", "Ra",
              "Re", "Ri", "Ro", "Sa", "Se", "Ta", "Te", "Va", "Vi", "Wa", "We", "Ya", "Za", "Ze")
_SYL_MID = ("ra", "ri", "ro", "la", "le", "li", "na", "ne", "ni", "ma", "mi", "ta", "te", "di", "do",
            "ge", "ci", "lo", "van", "ver", "sil", "nil", "dir", "mar", "gel", "cio", "son", "zi")
_SYL_END_M = ("son", "ton", "ciano", "valdo", "mir", "nildo", "berto", "lino", "rio", "an", "el", "er",
              "ir", "ilson", "imar", "ando", "eu", "ares")
_SYL_END_F = ("ane", "ana", "ete", "ina", "ilda", "ice", "ely", "iane", "ara", "ene", "ilene", "eide",
              "ia", "essa", "ilia", "uza")
_SUR_END = ("ini", "etti", "ares", "eiro", "ado", "ira", "edo", "ão", "ães", "ino", "ela", "ski", "man",
            "anha", "osa", "oso", "ente", "ardi")


def pseudo_first(rng: random.Random) -> str:
    """A plausible but (usually) unseen Brazilian-style first name, e.g. 'Leandrilson', 'Rosilene'."""
    end = rng.choice(_SYL_END_F if rng.random() < 0.5 else _SYL_END_M)
    mid = rng.choice(_SYL_MID) if rng.random() < 0.5 else ""
    return rng.choice(_SYL_START) + mid + end


def pseudo_surname(rng: random.Random) -> str:
    return rng.choice(_SYL_START) + (rng.choice(_SYL_MID) if rng.random() < 0.6 else "") + rng.choice(_SUR_END)


class Filler:
    """Produces slot values; `pseudo_rate` controls how often unseen pseudo-names are used."""

    def __init__(self, rng: random.Random, pseudo_rate: float = 0.15, extended: bool = True) -> None:
        self.rng = rng
        self.pseudo_rate = pseudo_rate
        # extended=False reproduces the round-1 slot distributions exactly (keeps the round-1 held-out
        # synthetic set, EVAL_TEMPLATES with seed 777, identical across rounds)
        self.extended = extended

    # --- people ---------------------------------------------------------------------------------
    def first(self) -> str:
        r = self.rng
        if r.random() < self.pseudo_rate:
            return pseudo_first(r)
        name = r.choice(lx.FIRST_NAMES)
        if r.random() < 0.12:
            name += " " + r.choice(lx.COMPOUND_SECOND)
        return name

    def surname(self) -> str:
        r = self.rng
        if r.random() < self.pseudo_rate:
            return pseudo_surname(r)
        return r.choice(lx.SURNAMES)

    def person(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.06:
            return self.first()
        parts = [self.first()]
        if x < 0.45:
            n_sur = 1
        elif x < 0.8:
            n_sur = 2
        else:
            n_sur = 3
        if r.random() < 0.15:
            parts.append(self.first())  # second given name: "Carlos Eduardo", "Maria Helena"
        for i in range(n_sur):
            if r.random() < 0.3:
                parts.append(r.choice(("da", "de", "do", "dos", "das", "de", "da")))
            elif i > 0 and r.random() < 0.04:
                parts.append("e")
            parts.append(self.surname())
        if r.random() < 0.06:
            parts.append(r.choice(lx.NAME_SUFFIXES))
        if r.random() < 0.04 and len(parts) > 2:
            # abbreviated middle name: "José R. Silva"
            parts[1] = parts[1][0] + "."
            if parts[1] in ("d.", "e."):
                parts[1] = "M."
        return " ".join(parts)

    # --- places ---------------------------------------------------------------------------------
    def city_pair(self) -> tuple[str, str]:
        return self.rng.choice(lx.CITIES)

    def city(self) -> str:
        return self.city_pair()[0]

    def city_uf(self) -> str:
        c, uf = self.city_pair()
        fmt = self.rng.choice(("{c}/{uf}", "{c}/{uf}", "{c} - {uf}", "{c} ({uf})", "{c}, {uf}", "{c}/{uf}"))
        return fmt.format(c=c, uf=uf)

    def state(self) -> str:
        uf = self.rng.choice(list(lx.UFS))
        name = lx.UFS[uf]
        if self.rng.random() < 0.35:
            return f"Estado {lx.UF_ARTICLE[uf]} {name}"
        return name

    def street(self) -> str:
        r = self.rng
        st = r.choice(lx.STREET_TYPES)
        if r.random() < 0.15:
            name = self.person()
        else:
            name = r.choice(lx.STREET_NAMES)
        return f"{st} {name}"

    def neighbourhood(self) -> str:
        return self.rng.choice(lx.NEIGHBOURHOODS)

    def country(self) -> str:
        return self.rng.choice(lx.COUNTRIES)

    def location(self) -> str:
        x = self.rng.random()
        if not self.extended:
            if x < 0.4:
                return self.city()
            if x < 0.6:
                return self.city_uf()
            if x < 0.78:
                return self.state()
            if x < 0.9:
                return self.neighbourhood()
            return self.country()
        if x < 0.36:
            return self.city()
        if x < 0.54:
            return self.city_uf()
        if x < 0.70:
            return self.state()
        if x < 0.80:
            return self.neighbourhood()
        if x < 0.87:
            return self.country()
        if x < 0.91:
            return self.region()
        if x < 0.95:
            return self.geo()
        return self.df_place()

    # round 2: more location shapes -------------------------------------------------------------
    def highway(self) -> str:
        r = self.rng
        num = r.choice(lx.HIGHWAY_NUMBERS)
        code = "BR" if r.random() < 0.7 else r.choice(list(lx.UFS))
        core = f"{code}-{num}" if r.random() < 0.85 else f"{code} {num}"
        prefix = r.choice(("", "", "", "rodovia ", "Rodovia ", "Rodovia Federal ", "rodovia federal "))
        if code != "BR" and prefix.lower().startswith("rodovia f"):
            prefix = "Rodovia "
        return prefix + core

    def geo(self) -> str:
        g = self.rng.choice(lx.GEO_FEATURES)
        if g.startswith("Rio ") and self.rng.random() < 0.3:
            g = "rio " + g[4:]
        return g

    def region(self) -> str:
        r = self.rng
        if r.random() < 0.15:
            return f"Região Metropolitana de {self.city()}"
        if r.random() < 0.1:
            return f"Região Administrativa {r.choice(('de', 'do'))} {r.choice(lx.DF_PLACES)}"
        return r.choice(lx.REGIONS)

    def df_place(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.3:
            return r.choice(("Distrito Federal", "Brasília", "Brasília", "Brasília/DF", "Brasília-DF",
                             "Brasília - DF", "Brasília (DF)"))
        if x < 0.6:
            p = r.choice(lx.DF_PLACES)
            return r.choice((p, p, f"{p}/DF", f"{p}-DF", f"Região Administrativa de {p}"))
        return r.choice(lx.LANDMARK_PLACES)

    def state_x(self) -> str:
        """A state as a place, LeNER-style: 'Estado do Acre', 'Distrito Federal', 'Paraná'."""
        r = self.rng
        uf = r.choice(list(lx.UFS) + ["DF"] * 2)
        name = lx.UFS[uf]
        if uf == "DF" or r.random() < 0.35:
            return name
        return f"Estado {lx.UF_ARTICLE[uf]} {name}"

    def state_upper(self) -> str:
        return self.state_x().upper()

    def municipality(self) -> str:
        c, uf = self.city_pair()
        r = self.rng
        base = r.choice(("Município de", "município de", "Município de", "Cidade de", "cidade de"))
        return f"{base} {c}" + (f"/{uf}" if r.random() < 0.3 else "")

    def comarca_header(self) -> str:
        c, uf = self.city_pair()
        s = f"Comarca de {c}" + (f"/{uf}" if self.rng.random() < 0.3 else "")
        return s.upper() if self.rng.random() < 0.6 else s

    def city_uf_dash(self) -> str:
        c, uf = self.city_pair()
        return f"{c}-{uf}" if self.rng.random() < 0.6 else f"{c.upper()}-{uf}"

    def place(self) -> str:
        """Any location shape (general text)."""
        x = self.rng.random()
        if x < 0.5:
            return self.location()
        if x < 0.6:
            return self.highway()
        if x < 0.7:
            return self.geo()
        if x < 0.8:
            return self.region()
        if x < 0.9:
            return self.street()
        return self.municipality()

    def state_org(self) -> str:
        """A state or the Federal District as a litigant (LeNER tags these ORGANIZACAO)."""
        r = self.rng
        uf = r.choice(list(lx.UFS) + ["DF"] * 3)
        s = "Distrito Federal" if uf == "DF" else f"Estado {lx.UF_ARTICLE[uf]} {lx.UFS[uf]}"
        return s.upper() if r.random() < 0.25 else s

    def lower_person(self) -> str:
        return self.person().lower() if self.rng.random() < 0.6 else self.person()

    def lower_first(self) -> str:
        return self.first().lower() if self.rng.random() < 0.6 else self.first()

    # --- organizations --------------------------------------------------------------------------
    def gov(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.45:
            return r.choice(lx.PUBLIC_BODIES)
        if x < 0.72:
            uf = r.choice(list(lx.UFS))
            return r.choice(lx.STATE_BODY_PATTERNS).format(art=lx.UF_ARTICLE[uf], uf=lx.UFS[uf])
        return r.choice(lx.CITY_BODY_PATTERNS).format(city=self.city())

    def company(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.25:
            return r.choice(lx.KNOWN_COMPANIES)
        if x < 0.5:
            core = f"{r.choice(lx.COMPANY_WORDS)} {r.choice(lx.COMPANY_NAMES)}"
        elif x < 0.7:
            core = f"{r.choice(lx.COMPANY_NAMES)} {r.choice(lx.COMPANY_WORDS)}"
        elif x < 0.85:
            core = f"{self.surname()} & {self.surname()} {r.choice(lx.COMPANY_WORDS)}"
            if r.random() < 0.5:
                core = f"{self.surname()} {r.choice(lx.COMPANY_WORDS)} e {r.choice(lx.COMPANY_WORDS)}"
        else:
            core = f"{r.choice(lx.COMPANY_WORDS)} {self.surname()}"
        if r.random() < 0.65:
            core += " " + r.choice(lx.COMPANY_SUFFIXES)
        return core

    def acronym(self) -> str:
        if self.extended and self.rng.random() < 0.2:
            return self.council_acronym()
        return self.rng.choice(lx.ORG_ACRONYMS)

    def council_acronym(self, acr: str | None = None, uf: str | None = None) -> str:
        r = self.rng
        acr = acr or r.choice(lx.COUNCIL_ACRONYMS)
        uf = uf or r.choice(list(lx.UFS) + ["DF"] * 3)
        if r.random() < 0.3:
            acr = acr.upper()
        return f"{acr}{r.choice(('-', '-', '/'))}{uf}"

    def council(self) -> str:
        """Regional councils/unions: 'Conselho Regional de Medicina do Distrito Federal', 'CREA-DF'."""
        r = self.rng
        uf = r.choice(list(lx.UFS) + ["DF"] * 4)
        pattern, acr = r.choice(lx.COUNCIL_PATTERNS)
        full = pattern.format(art=lx.UF_ARTICLE[uf], uf=lx.UFS[uf])
        x = r.random()
        if x < 0.4:
            return full
        if x < 0.75:
            return self.council_acronym(acr, uf)
        return full.upper() if r.random() < 0.3 else full

    def uniao(self) -> str:
        return self.rng.choice(("União", "União", "União Federal", "UNIÃO"))

    def unit(self) -> str:
        return self.rng.choice(lx.COURT_UNITS)

    def org(self) -> str:
        x = self.rng.random()
        if x < 0.45:
            return self.gov()
        if x < 0.8:
            return self.company()
        return self.acronym()

    # --- non-entity slots ------------------------------------------------------------------------
    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def cpf(self) -> str:
        d = self.digits(11)
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"

    def cnpj(self) -> str:
        d = self.digits(14)
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"

    def date(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1995, 2026)}"
        return f"{r.randint(1, 28)} de {r.choice(lx.MONTHS)} de {r.randint(1995, 2026)}"

    def email(self) -> str:
        r = self.rng
        user = _strip_accents(self.first().split()[0].lower()) + r.choice((".", "_", "")) + _strip_accents(
            self.surname().lower())
        dom = r.choice(("gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com", "uol.com.br",
                        "prefeitura.sp.gov.br", "tjmg.jus.br", "saude.gov.br", "empresa.com.br"))
        return f"{user}@{dom}"

    def phone(self) -> str:
        return f"({self.rng.randint(11, 99)}) 9{self.digits(4)}-{self.digits(4)}"

    def proc(self) -> str:
        return f"{self.digits(7)}-{self.digits(2)}.{self.rng.randint(2000, 2026)}.8.{self.digits(2)}.{self.digits(4)}"

    def num(self) -> str:
        return str(self.rng.choice((self.rng.randint(1, 99), self.rng.randint(100, 2999))))

    def money(self) -> str:
        return f"R$ {self.rng.randint(1, 99)}.{self.digits(3)},{self.digits(2)}"

    def cep(self) -> str:
        return f"{self.digits(5)}-{self.digits(3)}"

    def title(self) -> str:
        return self.rng.choice(lx.TITLES)

    def law(self) -> str:
        return self.rng.choice(lx.LAW_NAMES)


ENTITY_SLOTS = {
    "PER": ("PERSON", Filler.person),
    "FIRST": ("PERSON", Filler.first),
    "SUR": ("PERSON", Filler.surname),
    "LOC": ("LOCATION", Filler.location),
    "CITY": ("LOCATION", Filler.city),
    "CITYUF": ("LOCATION", Filler.city_uf),
    "STATE": ("LOCATION", Filler.state),
    "STREET": ("LOCATION", Filler.street),
    "NBH": ("LOCATION", Filler.neighbourhood),
    "COUNTRY": ("LOCATION", Filler.country),
    "ORG": ("ORGANIZATION", Filler.org),
    "GOV": ("ORGANIZATION", Filler.gov),
    "COMP": ("ORGANIZATION", Filler.company),
    "ACR": ("ORGANIZATION", Filler.acronym),
    "UNIT": ("ORGANIZATION", Filler.unit),
    "HWY": ("LOCATION", Filler.highway),
    "GEO": ("LOCATION", Filler.geo),
    "REGION": ("LOCATION", Filler.region),
    "DFPLACE": ("LOCATION", Filler.df_place),
    "STATEX": ("LOCATION", Filler.state_x),
    "STATEU": ("LOCATION", Filler.state_upper),
    "MUN": ("LOCATION", Filler.municipality),
    "COMARCA": ("LOCATION", Filler.comarca_header),
    "CITYUFD": ("LOCATION", Filler.city_uf_dash),
    "PLACE": ("LOCATION", Filler.place),
    "STATEORG": ("ORGANIZATION", Filler.state_org),
    "COUNCIL": ("ORGANIZATION", Filler.council),
    "UNIAO": ("ORGANIZATION", Filler.uniao),
    "LPER": ("PERSON", Filler.lower_person),
    "LFIRST": ("PERSON", Filler.lower_first),
}

PLAIN_SLOTS = {
    "CPF": Filler.cpf,
    "CNPJ": Filler.cnpj,
    "DATE": Filler.date,
    "EMAIL": Filler.email,
    "PHONE": Filler.phone,
    "PROC": Filler.proc,
    "NUM": Filler.num,
    "MONEY": Filler.money,
    "CEP": Filler.cep,
    "TITLE": Filler.title,
    "LAW": Filler.law,
    "MONTH": lambda f: f.rng.choice(lx.MONTHS),
    "YEAR": lambda f: str(f.rng.randint(1990, 2026)),
    "UF": lambda f: f.rng.choice(list(lx.UFS)),
    "CAPS": lambda f: f.rng.choice(lx.NON_ENTITY_CAPS),
    "GEN": lambda f: f.rng.choice(lx.GENERIC_SUBJECTS),
    "GENC": lambda f: (lambda g: g[0].upper() + g[1:])(f.rng.choice(lx.GENERIC_SUBJECTS)),
    "WEEKDAY": lambda f: f.rng.choice(lx.WEEKDAYS),
}

_SLOT_RE = re.compile(r"\{([A-Z]+)\}")

# --------------------------------------------------------------------------------------------------
# Templates. Register prefix before "|". Used for training only.
# --------------------------------------------------------------------------------------------------

TRAIN_TEMPLATES = [
    # ofícios / administrative letters
    "oficio|Ofício nº {NUM}/{YEAR} - {GOV}",
    "oficio|Ao Senhor {PER}, Diretor do {GOV}, com cópia para a {GOV}.",
    "oficio|Senhor Secretário, encaminho a Vossa Senhoria o requerimento apresentado por {PER}, residente na {STREET}, nº {NUM}, bairro {NBH}, em {CITYUF}.",
    "oficio|Em atenção ao Ofício nº {NUM}/{YEAR}, informamos que a servidora {PER} foi lotada na {GOV} a partir de {DATE}.",
    "oficio|Solicitamos a {GOV} que preste informações sobre o contrato firmado com a empresa {COMP}, inscrita no CNPJ sob o nº {CNPJ}.",
    "oficio|{CITY}, {DATE}.",
    "oficio|{CITYUF}, {DATE}",
    "oficio|Atenciosamente, {PER} Chefe de Gabinete {GOV}",
    "oficio|Comunico a Vossa Excelência que o {GOV} designou o servidor {PER}, matrícula {NUM}, para acompanhar a fiscalização em {CITY}.",
    "oficio|Encaminhamos, para conhecimento e providências, cópia do processo administrativo instaurado em desfavor de {PER}.",
    "oficio|A {GOV} convida Vossa Senhoria para a reunião que será realizada no dia {DATE}, na sede do órgão, em {CITY}.",
    "oficio|Assunto: Solicitação de cessão do servidor {PER} para a {GOV}.",
    "oficio|Ilustríssimo Senhor {PER}, Prefeito Municipal de {CITY}.",
    "oficio|Ref.: Convênio celebrado entre a {GOV} e a {GOV} para execução de obras no bairro {NBH}.",
    "oficio|Informamos que o imóvel situado na {STREET}, {NUM}, {NBH}, {CITY}, pertence à {COMP}.",
    # despachos / portarias
    "despacho|Despacho: Encaminhe-se à {GOV} para análise e manifestação no prazo de {NUM} dias.",
    "despacho|Defiro o pedido formulado por {PER}. Publique-se. {CITY}, {DATE}.",
    "despacho|Designar {PER}, ocupante do cargo de Analista, para exercer a função de Coordenador na {GOV}.",
    "despacho|PORTARIA Nº {NUM}, DE {DATE}. O Secretário de Administração de {CITY}, no uso de suas atribuições, resolve exonerar {PER}.",
    "despacho|Nomear {PER} para o cargo em comissão de Assessor Especial da {GOV}.",
    "despacho|Cientifique-se o interessado {PER} e, após, arquivem-se os autos.",
    "despacho|Remetam-se os autos à {UNIT} para julgamento.",
    "despacho|Considerando o disposto na {LAW}, determino a abertura de sindicância para apurar a conduta de {PER}.",
    "despacho|Autorizo o afastamento de {PER} para participar de curso na {GOV}, em {CITYUF}, no período de {DATE} a {DATE}.",
    # e-mails
    "email|Bom dia, {FIRST}! Segue em anexo a planilha que a {COMP} enviou ontem.",
    "email|Oi {FIRST}, tudo bem? Você conseguiu falar com o {PER} sobre a reunião em {CITY}?",
    "email|Prezados, informo que estarei em férias até {DATE}. Em caso de urgência, procurar {PER} pelo e-mail {EMAIL}.",
    "email|Olá, meu nome é {PER} e trabalho na {COMP}. Gostaria de agendar uma visita à {GOV}.",
    "email|De: {PER} <{EMAIL}> Para: {PER} Assunto: relatório de {MONTH}",
    "email|Caro {FIRST}, conforme conversamos, a entrega será feita no endereço {STREET}, {NUM} - {NBH}, {CITYUF}, CEP {CEP}.",
    "email|Abraços, {FIRST}",
    "email|Att., {PER} | {COMP} | {PHONE}",
    "email|Encaminho o currículo de {PER}, que se formou na {GOV} e mora em {CITY}.",
    "email|{FIRST}, a {SUR} pediu para você revisar o contrato com a {COMP} antes de sexta.",
    "email|Pessoal, a reunião com o pessoal da {ACR} foi remarcada para {DATE}.",
    "email|Obrigado pelo retorno, {TITLE} {SUR}. Aguardo a confirmação da {ORG}.",
    # ouvidoria / complaints
    "ouvidoria|Venho registrar reclamação contra a {COMP}, pois fui mal atendido na loja de {CITY} pelo funcionário {PER}.",
    "ouvidoria|Meu nome é {PER}, moro na {STREET}, {NUM}, no bairro {NBH}, e há três meses a rua está sem iluminação.",
    "ouvidoria|Denuncio que o servidor {PER} da {GOV} cobra propina para liberar alvarás.",
    "ouvidoria|Solicito providências da {GOV} quanto ao buraco na {STREET}, próximo ao número {NUM}.",
    "ouvidoria|Sou mãe do aluno {PER} e a escola não oferece merenda desde {MONTH}.",
    "ouvidoria|o posto de saúde do {NBH} não tem médico, a atendente {FIRST} disse que é culpa da prefeitura",
    "ouvidoria|Reclamação: o ônibus da linha {NUM} da {COMP} não passa no {NBH} desde {DATE}.",
    "ouvidoria|Gostaria de elogiar a enfermeira {PER} do {GOV}, que atendeu minha mãe com muito carinho.",
    "ouvidoria|Protocolo {NUM}{NUM}. Manifestante: {PER}. Órgão: {GOV}. Município: {CITY}.",
    "ouvidoria|Já liguei várias vezes para a {ORG} e ninguém resolve, quero falar com o responsável, {TITLE} {PER}.",
    "ouvidoria|meu vizinho {PER} faz barulho todas as noites na {STREET} e a {GOV} não faz nada",
    "ouvidoria|Peço que a {GOV} investigue a empresa {COMP}, que despeja lixo no rio em {CITYUF}.",
    # news
    "news|O prefeito de {CITY}, {PER}, anunciou nesta {CAPS} um pacote de obras para o bairro {NBH}.",
    "news|Segundo a {GOV}, o acidente ocorreu na {STREET}, em {CITY}, por volta das {NUM}h.",
    "news|A {COMP} anunciou a abertura de {NUM} vagas de emprego em {CITYUF}.",
    "news|Em entrevista, a ministra {PER} afirmou que o {GOV} vai ampliar o programa no {STATE}.",
    "news|{PER}, de {NUM} anos, foi preso em {CITY} pela {GOV}.",
    "news|A operação da {ACR} cumpriu mandados em {CITY}, {CITY} e {CITY}.",
    "news|O governador do {STATE}, {PER}, se reuniu com representantes da {COMP} em {COUNTRY}.",
    "news|De acordo com o {ACR}, a população de {CITY} cresceu no último censo.",
    "news|Moradores do {NBH}, na zona norte de {CITY}, reclamam da falta de água.",
    "news|O técnico {PER} deixou o comando do time após a derrota em {CITY}.",
    "news|A deputada {PER} apresentou projeto que altera a {LAW}.",
    "news|Chuvas fortes atingiram o {STATE} e a {GOV} decretou situação de emergência em {CITY}.",
    # forms
    "form|Nome: {PER}\nCPF: {CPF}\nEndereço: {STREET}, {NUM} - {NBH} - {CITYUF}",
    "form|Nome completo: {PER} Data de nascimento: {DATE} Naturalidade: {CITYUF}",
    "form|Requerente: {PER} | Telefone: {PHONE} | E-mail: {EMAIL}",
    "form|Empregador: {COMP} CNPJ: {CNPJ} Município: {CITY} UF: {UF}",
    "form|Nome da mãe: {PER}\nNome do pai: {PER}",
    "form|Responsável legal: {PER}, portador do CPF {CPF}, residente em {CITY}.",
    "form|Órgão de lotação: {GOV}\nServidor: {PER}\nCargo: Técnico Administrativo",
    "form|Logradouro: {STREET} Número: {NUM} Bairro: {NBH} Cidade: {CITY} CEP: {CEP}",
    "form|Instituição de ensino: {GOV} - Curso: Direito - Aluno(a): {PER}",
    "form|Testemunha 1: {PER} Testemunha 2: {PER}",
    # legal decisions (LeNER-like register)
    "legal|RELATOR : MINISTRO {PER}",
    "legal|RELATORA : DESEMBARGADORA {PER}",
    "legal|APELANTE : {PER} APELADO : {COMP}",
    "legal|AGRAVANTE : {GOV} AGRAVADO : {PER}",
    "legal|ADVOGADO : {PER}",
    "legal|Vistos, relatados e discutidos estes autos, acordam os Ministros da {UNIT} do {GOV}, por unanimidade, em negar provimento ao recurso.",
    "legal|Trata-se de recurso especial interposto por {PER} contra acórdão do {GOV}.",
    "legal|O {ACR} já decidiu que a responsabilidade da {COMP} é objetiva.",
    "legal|Cuida-se de ação de indenização proposta por {PER} em face de {COMP}, em razão de acidente ocorrido em {CITYUF}.",
    "legal|Participaram do julgamento os Ministros {PER}, {PER} e {PER}.",
    "legal|Brasília, {DATE}. Ministro {PER} Relator",
    "legal|O réu {PER} foi condenado pelo juízo da comarca de {CITY} à pena de {NUM} anos.",
    "legal|A {GOV} sustenta que o {STATE} não possui legitimidade passiva.",
    "legal|Ante o exposto, voto no sentido de dar provimento ao recurso de {PER}, nos termos da {LAW}.",
    "legal|Certifico que o mandado foi cumprido na {STREET}, {NUM}, {NBH}, nesta cidade de {CITY}.",
    "legal|IMPETRANTE : {COMP} IMPETRADO : {GOV}",
    "legal|A testemunha {PER} afirmou em juízo que o acusado {PER} estava em {CITY} na data dos fatos.",
    "legal|Decisão monocrática proferida pelo Desembargador {PER}, da {UNIT} do {GOV}.",
    "legal|O {GOV} ofereceu denúncia contra {PER} pela prática do crime previsto no {LAW}.",
    "legal|Proc. {PROC} - Autor: {PER} - Réu: {GOV}",
    # chat / sloppy
    "chat|fala {FIRST} blz? amanha passo ai na {COMP} pra pegar os documento",
    "chat|o {FIRST} disse q a {ACR} ja liberou o beneficio da dona {PER}",
    "chat|to indo pra {CITY} semana q vem, vc fala com a {FIRST}?",
    "chat|moro no {NBH} em {CITY} e o onibus nunca passa no horario",
    # negatives and tricky non-entities
    "neg|{CAPS}, informamos que o prazo foi prorrogado até {DATE}.",
    "neg|Considerando o disposto na {LAW}, fica suspenso o expediente no dia {DATE}.",
    "neg|Vossa Excelência determinou a intimação das partes para manifestação.",
    "neg|Ementa: Apelação cível. Responsabilidade civil. Dano moral. Recurso conhecido e desprovido.",
    "neg|Nos termos do art. {NUM} da {LAW}, o pedido deve ser indeferido.",
    "neg|Em {MONTH} de {YEAR}, o Conselho aprovou o novo regimento interno.",
    "neg|Relatório. Trata-se de recurso interposto contra sentença que julgou improcedente o pedido.",
    "neg|Processo nº {PROC}. Classe: Procedimento Comum Cível. Assunto: Indenização por Dano Moral.",
    "neg|Atenciosamente,",
    "neg|Prezado Senhor, agradecemos o contato e informamos que sua solicitação foi registrada sob o protocolo {NUM}{NUM}.",
    "neg|A Administração Pública deve observar os princípios da legalidade, impessoalidade e moralidade.",
    "neg|Ofício Circular nº {NUM}/{YEAR}",
    "neg|Com base na {LAW}, o Requerente solicitou acesso aos documentos em {MONTH}.",
    "neg|O Município deverá apresentar o plano de trabalho até o dia {DATE}.",
    "neg|Defiro. Intime-se. Cumpra-se.",
    "neg|Valor da causa: {MONEY}. Data de distribuição: {DATE}.",
    "neg|CPF: {CPF} E-mail: {EMAIL} Telefone: {PHONE}",
    "neg|Segunda-feira haverá ponto facultativo em razão do feriado de Carnaval.",
    "neg|Bom dia! Segue o relatório mensal conforme solicitado. Qualquer dúvida estou à disposição.",
    "neg|A Lei Maria da Penha completa mais um ano de vigência em {MONTH}.",
    "neg|Estado de Direito, Poder Judiciário e Ministério: palavras frequentes em documentos oficiais.",
    "neg|Recurso Especial nº {NUM}.{NUM}/{UF}, Rel. Min., julgado em {DATE}.",
    "neg|Súmula {NUM} do Tribunal: a pretensão prescreve em cinco anos.",
]

# Round 2 training templates: LeNER-style location conventions, more location shapes in general text,
# news sentences (subject-verb-object, titles before names, generic lower-case subjects) and sloppy
# complaints/chat. LeNER conventions followed: "Governador do [Distrito Federal]", "PODER JUDICIÁRIO DO
# [ESTADO DO ACRE]", "[Comarca de X]" and "[Município de X]" as whole LOCATION spans; a state acting as a
# litigant ("ajuizada pelo [Estado de Mato Grosso]") is an ORGANIZATION, as in the corpus.
TRAIN_TEMPLATES_R2 = [
    # legal, LeNER conventions
    "legal|PODER JUDICIÁRIO DO {STATEU}",
    "legal|PODER JUDICIÁRIO DO {STATEU} {UNIT}",
    "legal|AGRAVANTE : GOVERNADOR DO {STATEU} ADV.(A/S) : PROCURADOR-GERAL DO {STATEU}",
    "legal|REQTE.(S) : GOVERNADOR DO {STATEU} INTDO.(A/S) : ASSEMBLEIA LEGISLATIVA DO {STATEU}",
    "legal|Compete privativamente ao Governador do {STATEX} a iniciativa das leis que disponham sobre servidores públicos.",
    "legal|O projeto foi vetado pelo Governador do {STATEX}, e o veto foi mantido.",
    "legal|A norma trata do funcionamento da Administração Pública do {STATEX}, matéria de iniciativa reservada.",
    "legal|O parcelamento do solo no {DFPLACE} depende de prévia aprovação do órgão competente.",
    "legal|O imóvel está situado na {DFPLACE}, {DFPLACE}, conforme certidão do cartório.",
    "legal|A lei se aplica a todo o território do {STATEX}.",
    "legal|{COMARCA}",
    "legal|Trata-se de ação cível originária ajuizada pelo {STATEORG} contra a União.",
    "legal|O {STATEORG} sustenta que a inscrição no cadastro de inadimplentes é indevida.",
    "legal|APELANTE : {STATEORG} APELADO : {PER}",
    "legal|A {UNIAO}, os Estados, o {STATEORG} e os Municípios têm competência comum nessa matéria.",
    "legal|A {UNIAO} interpôs recurso especial contra o acórdão do {GOV}.",
    "legal|APELANTE : {UNIAO} APELADO : {PER}",
    "legal|Ação ordinária ajuizada por {PER} contra a {UNIAO} e o {STATEORG}.",
    "legal|Compete ao {STATEORG} legislar sobre o uso e a ocupação do solo.",
    "legal|Trata-se de mandado de segurança impetrado por {PER} contra ato do Presidente do {COUNCIL}.",
    "legal|APELANTE : {COUNCIL} APELADO : {PER}",
    "legal|IMPETRANTE : {COUNCIL} IMPETRADO : {GOV}",
    "legal|O {COUNCIL} sustenta que a atividade exige registro profissional.",
    "news|O {COUNCIL} abriu processo ético contra o médico {PER}.",
    "ouvidoria|Fiz a denúncia no {COUNCIL} e até hoje ninguém respondeu.",
    "email|Prezados, segue a certidão emitida pelo {COUNCIL} para o processo de {PER}.",
    "legal|Os fatos ocorreram no {MUN}, onde o réu residia à época.",
    "legal|{PER}, brasileiro, casado, natural de {CITYUF}, residente e domiciliado em {CITYUF}.",
    "legal|O acidente ocorreu no km {NUM} da {HWY}, em {CITYUF}.",
    "legal|{CITYUFD}, {DATE}.",
    "legal|A autora, domiciliada em {CITYUFD}, ajuizou a ação perante o {GOV}.",
    "legal|O Ministério Público Federal ajuizou ação civil pública em razão de danos ambientais no {GEO}.",
    "legal|Endereço: {STREET}, {NUM}, {DFPLACE}, Brasília/DF, CEP {CEP}.",
    "legal|O servidor foi removido de {CITY} para {CITYUF}, no {STATEX}.",
    "legal|REQUERENTE : {PER} ADVOGADO : {PER} REQUERIDO : {STATEORG}",
    # general location shapes
    "oficio|Informamos que as obras na {HWY}, entre {CITY} e {CITY}, serão concluídas em {MONTH}.",
    "oficio|A {GOV} solicita apoio para as famílias atingidas pela cheia do {GEO} no {MUN}.",
    "oficio|Encaminhamos o relatório das ações de saúde realizadas na {REGION} durante o ano de {YEAR}.",
    "oficio|O servidor {PER}, natural de {CITYUF}, solicita remoção para a unidade de {CITY}.",
    "despacho|Autorizo o deslocamento do servidor {PER} ao {MUN}, no {STATEX}, para vistoria.",
    "form|Naturalidade: {CITYUFD} Nacionalidade: brasileira Residência: {STREET}, {NUM}, {NBH}",
    "form|Local da ocorrência: {HWY}, km {NUM}, sentido {CITY}",
    "form|Endereço: {STREET}, {NUM}, apto {NUM} - {NBH} - {CITYUF} - CEP {CEP}",
    "email|Pessoal, a equipe vai para a {REGION} na semana que vem, saindo de {CITY} pela {HWY}.",
    "ouvidoria|A {HWY} está cheia de buracos no trecho próximo a {CITY}, já houve vários acidentes.",
    "ouvidoria|Moro às margens do {GEO}, no {MUN}, e a empresa {COMP} está poluindo a água.",
    "news|O nível do {GEO} subiu e a defesa civil retirou famílias em {CITYUF}.",
    "news|Um acidente na {HWY} deixou dois feridos na altura de {CITY}, segundo a {ACR}.",
    "news|A seca atinge municípios da {REGION} e do {STATE}.",
    "news|Queimadas no {GEO} preocupam moradores de {CITY}.",
    "news|O prefeito {PER} esteve em {COUNTRY} para buscar investimentos para a {REGION}.",
    "news|Natural de {CITY}, {PER} mudou-se para {CITY} ainda criança.",
    # news: persons with titles and verbs, generic lower-case subjects (not entities)
    "news|{GENC} prendeu nesta {WEEKDAY} {PER}, acusado de tráfico de drogas em {CITY}.",
    "news|{GENC} informou que {PER} foi levado ao hospital e passa bem.",
    "news|{GENC} identificou a vítima como {PER}, de {NUM} anos.",
    "news|Segundo {PER}, presidente da {COMP}, as vendas cresceram no último trimestre.",
    "news|Segundo {GEN}, {PER} foi detido em flagrante na {STREET}.",
    "news|De acordo com {GEN}, {PER} e {PER} foram presos durante a operação.",
    "news|O ministro {PER} disse que o governo vai recorrer da decisão.",
    "news|A ministra {PER} negou irregularidades no contrato com a {COMP}.",
    "news|O deputado federal {PER} apresentou emenda ao orçamento.",
    "news|A deputada estadual {PER} cobrou explicações da {GOV}.",
    "news|O vereador {PER} foi cassado pela {GOV} nesta {WEEKDAY}.",
    "news|O empresário {PER} foi preso pela polícia federal em {CITYUF}.",
    "news|Procurado pela reportagem, {PER} não respondeu até a publicação desta matéria.",
    "news|{PER} foi eleito prefeito de {CITY} com {NUM} mil votos.",
    "news|{PER} assume a presidência da {GOV} no lugar de {PER}.",
    "news|A vítima, identificada como {PER}, foi socorrida por {GEN}.",
    "news|O delegado {PER}, responsável pelo caso, afirmou que {GEN} ainda investiga o crime.",
    "news|A justiça determinou a soltura de {PER}, que estava preso desde {MONTH}.",
    "news|O jogador {PER} renovou contrato e fica no clube até {YEAR}.",
    "news|O cantor {PER} fará show gratuito em {CITY} no próximo sábado.",
    "news|Em nota, a {COMP} afirmou que colabora com as investigações.",
    "news|A defesa de {PER} informou que vai recorrer.",
    "news|O governador {PER} sancionou a lei que cria o programa.",
    "news|A presidente da {GOV}, {PER}, anunciou a medida em entrevista coletiva.",
    "news|O técnico de enfermagem {PER}, de {NUM} anos, morreu após ser atingido por um carro em {CITY}.",
    "news|Os bombeiros resgataram {PER} após {NUM} horas de buscas no {GEO}.",
    "news|{PER}, conhecido como {FIRST}, é apontado pela polícia como líder do grupo.",
    "news|O economista {PER}, professor da {GOV}, avalia que a inflação deve cair.",
    "news|Policiais militares prenderam {PER} em {CITY}; ele foi levado para a delegacia.",
    "news|A mãe de {FIRST}, {PER}, pede justiça.",
    "neg|{GENC} prendeu dois suspeitos em flagrante nesta {WEEKDAY}.",
    "neg|{GENC} informou que o atendimento será normalizado na próxima semana.",
    "neg|Segundo {GEN}, o prazo para pagamento do imposto foi prorrogado.",
    "neg|{GENC} anunciou cortes no orçamento e a suspensão de novos concursos.",
    "neg|O suspeito fugiu antes da chegada da polícia, informou a corporação.",
    # complaints / chat with sloppy casing
    "chat|oi aqui é a {LFIRST}, filha da dona {LPER}, queria saber do processo dela",
    "chat|falei com o {LFIRST} da prefeitura e ele disse q nao tem vaga",
    "chat|a medica {LFIRST} nao atendeu ninguem hoje no posto do {NBH}",
    "chat|manda pro {LFIRST} o endereço: {STREET} {NUM}, {NBH}",
    "chat|gente o {LPER} ta internado no hospital de {CITY}, rezem por ele",
    "ouvidoria|meu nome é {LPER} e quero reclamar da {COMP} que cortou minha luz sem aviso",
    "ouvidoria|queria saber do meu processo, sou {LPER}, cpf {CPF}",
    "ouvidoria|o funcionario {LPER} me tratou mal na agencia da {COMP} em {CITY}",
    "ouvidoria|RECLAMAÇÃO CONTRA O SERVIDOR {PER} DA {GOV}, QUE NÃO ME ATENDEU",
    "ouvidoria|Fui na {GOV} dia {DATE} e a moça chamada {FIRST} falou que não tinha sistema.",
]

# --------------------------------------------------------------------------------------------------
# Templates reserved for evaluation. Never used in training.
# --------------------------------------------------------------------------------------------------

EVAL_TEMPLATES = [
    "oficio|Cumprimentando-o cordialmente, solicito a Vossa Senhoria a cessão da servidora {PER} à {GOV} pelo período de um ano.",
    "oficio|Informo que a empresa {COMP} apresentou recurso contra o resultado da licitação realizada pela {GOV}.",
    "oficio|Ao Excelentíssimo Senhor {PER}, Presidente da {GOV}, {CITYUF}.",
    "oficio|Para instrução do processo, solicitamos o endereço atualizado de {PER}, que residia na {STREET}, em {CITY}.",
    "oficio|A Secretaria informa que {PER} compareceu à sede do órgão em {DATE} para prestar esclarecimentos.",
    "despacho|Acolho o parecer jurídico e determino o ressarcimento dos valores pagos a {PER}. Dê-se ciência à {GOV}.",
    "despacho|Torno sem efeito a portaria que designou {PER} para a comissão de licitação da {GOV}.",
    "despacho|Encaminhe-se cópia à {ACR} e ao interessado, {PER}, residente em {CITYUF}.",
    "email|Oi {FIRST}, a {COMP} mandou a proposta revisada, dá uma olhada e me fala até amanhã.",
    "email|Prezada {PER}, confirmamos sua inscrição no seminário promovido pela {GOV} em {CITY}.",
    "email|Sr. {SUR}, recebemos seu pedido e o encaminhamos à equipe da {ORG}.",
    "email|Segue contato do {PER}, gerente da {COMP} em {CITY}: {PHONE}.",
    "ouvidoria|A atendente {PER} da agência da {COMP} no {NBH} se recusou a receber meus documentos.",
    "ouvidoria|Estou há dois meses esperando consulta no {GOV}, meu nome é {PER} e moro em {CITY}.",
    "ouvidoria|Quero denunciar obra irregular na {STREET}, bairro {NBH}, feita pela {COMP}.",
    "ouvidoria|minha filha {FIRST} estuda na escola do {NBH} e falta professor de matematica",
    "news|A polícia prendeu {PER}, suspeito de aplicar golpes em idosos de {CITY}, informou a {GOV}.",
    "news|O senador {PER} visitou {CITYUF} e prometeu recursos para a {GOV}.",
    "news|Funcionários da {COMP} entraram em greve nesta manhã em {CITY}.",
    "news|Segundo a pesquisadora {PER}, da {GOV}, o desmatamento no {STATE} aumentou.",
    "news|O festival acontece no {NBH}, em {CITY}, com apoio da {ORG}.",
    "form|Solicitante: {PER} | Município: {CITYUF} | Órgão: {GOV}",
    "form|Beneficiário: {PER}\nEndereço residencial: {STREET}, {NUM}, {NBH}\nCidade: {CITY}",
    "form|Razão social: {COMP} - Representante: {PER}",
    "legal|EMBARGANTE : {PER} EMBARGADO : {GOV}",
    "legal|RELATOR : DESEMBARGADOR {PER}",
    "legal|Cuida-se de habeas corpus impetrado em favor de {PER}, preso preventivamente na comarca de {CITY}.",
    "legal|A {UNIT} do {GOV} reconheceu a prescrição da pretensão punitiva em favor de {PER}.",
    "legal|O autor {PER} alega que a {COMP} incluiu indevidamente seu nome em cadastro de inadimplentes.",
    "legal|Sustenta o {GOV} que o acusado {PER} residia em {CITYUF} à época dos fatos.",
    "chat|vc viu q o {FIRST} saiu da {COMP}? agora ta trabalhando em {CITY}",
    "neg|Diante do exposto, julgo procedentes os pedidos, nos termos da {LAW}.",
    "neg|Em {MONTH}, o Conselho Deliberativo aprovou as contas do exercício de {YEAR}.",
    "neg|Vossa Senhoria deverá comparecer munido de documento de identidade e comprovante de residência.",
    "neg|Acórdão. Vistos e relatados. Recurso não conhecido. Custas na forma da lei.",
    "neg|Prezados, segue para ciência. Atenciosamente, Coordenação.",
]

# Round 2 evaluation-only templates (new location shapes, news, sloppy complaints). Kept apart from
# EVAL_TEMPLATES so that the round-1 held-out numbers stay comparable; never used for training.
EVAL_TEMPLATES_R2 = [
    "news|Policiais rodoviários apreenderam drogas na {HWY}, perto de {CITY}; o motorista {PER} foi preso.",
    "news|A prefeitura confirmou que o secretário {PER} deixou o cargo nesta {WEEKDAY}.",
    "news|Ouvido pela reportagem, o advogado {PER} disse que seu cliente é inocente.",
    "news|A enchente do {GEO} desalojou famílias na {REGION}, informou a {GOV}.",
    "legal|O GOVERNADOR DO {STATEU}, no uso de suas atribuições, sanciona a seguinte lei.",
    "legal|{PER}, natural de {CITYUF}, foi denunciado por fatos ocorridos no {MUN}.",
    "oficio|Solicitamos vistoria no trecho da {HWY} que liga {CITY} a {CITY}.",
    "ouvidoria|sou {LPER} moro no {NBH} e a {COMP} nao resolve meu problema",
]


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

_ACCENT_MAP: dict[str, str] = {}


def _strip_accents(text: str) -> str:
    out = []
    for ch in text:
        if ch not in _ACCENT_MAP:
            base = unicodedata.normalize("NFD", ch)[0]
            _ACCENT_MAP[ch] = base if base.isalpha() and len(unicodedata.normalize("NFD", ch)) > 1 else ch
        out.append(_ACCENT_MAP[ch])
    return "".join(out)


def render_slots(template: str, slots: re.Pattern[str],
                 fill: Callable[[re.Match[str]], tuple[str, Any, int]]) -> tuple[str, list[tuple[int, int, Any]]]:
    """`template` with each match of `slots` replaced by its value, and the spans (start, end, tag) of the
    values that carry a tag. `fill(match)` -> (value, tag or None, skip): `skip` characters of the template
    right after the slot are dropped. (Also the renderer of bench/govdocs.py.)"""
    pieces: list[str] = []
    spans: list[tuple[int, int, Any]] = []
    pos = 0
    length = 0
    for m in slots.finditer(template):
        literal = template[pos:m.start()]
        pieces.append(literal)
        length += len(literal)
        value, tag, skip = fill(m)
        if tag is not None:
            spans.append((length, length + len(value), tag))
        pieces.append(value)
        length += len(value)
        pos = m.end() + skip
    pieces.append(template[pos:])
    return "".join(pieces), spans


def render(template: str, filler: Filler) -> Example:
    register, _, body = template.partition("|")

    def fill(m: re.Match[str]) -> tuple[str, str | None, int]:
        name = m.group(1)
        label = None
        if name in ENTITY_SLOTS:
            label, fn = ENTITY_SLOTS[name]
            value = fn(filler)
            if value.endswith("S/A") and body[m.end():m.end() + 1] == ".":
                value = value[:-3] + "S.A."  # the tokenizer keeps "S/A." as one token
        elif name in PLAIN_SLOTS:
            value = PLAIN_SLOTS[name](filler)
        else:
            raise KeyError(f"unknown slot {name!r} in template {template!r}")
        # "Ltda." at the end of a sentence: no double period
        return value, label, 1 if value.endswith(".") and body[m.end():m.end() + 1] == "." else 0

    text, spans = render_slots(body, _SLOT_RE, fill)
    return Example(text, spans, register)


def _case_variant(ex: Example, rng: random.Random, extended: bool = True) -> Example:
    text = ex.text
    x = rng.random()
    if extended and ex.register in ("chat", "ouvidoria") and rng.random() < 0.15:
        x = 0.2  # sloppy registers: more entities typed in lower case
    if x < 0.10:
        new = text.upper()
    elif x < 0.17:
        new = text.lower()
    elif x < 0.22:
        # sloppy: entities typed in lower case
        chars = list(text)
        for s, e, _ in ex.spans:
            chars[s:e] = list(text[s:e].lower())
        new = "".join(chars)
    elif x < 0.25:
        # entities in ALL CAPS inside normal text (legal documents often do this)
        chars = list(text)
        for s, e, _ in ex.spans:
            chars[s:e] = list(text[s:e].upper())
        new = "".join(chars)
    else:
        new = text
    if rng.random() < 0.08:
        new = _strip_accents(new)
    if len(new) != len(text):  # case mapping changed the length: keep the original
        new = text
    return Example(new, ex.spans, ex.register)


def generate(n: int, seed: int = 0, eval_templates: bool = False, pseudo_rate: float | None = None,
             multi_sentence_rate: float = 0.15, eval_r2: bool = False) -> list[Example]:
    """Generate `n` annotated examples, deterministically for a given seed.

    `eval_templates=True` draws from EVAL_TEMPLATES (reserved for evaluation) instead of the training
    templates (TRAIN_TEMPLATES + TRAIN_TEMPLATES_R2); with `eval_r2=True` as well, from EVAL_TEMPLATES_R2.
    """
    rng = random.Random(seed)
    if eval_templates:
        templates = EVAL_TEMPLATES_R2 if eval_r2 else EVAL_TEMPLATES
    else:
        templates = TRAIN_TEMPLATES + TRAIN_TEMPLATES_R2
    if pseudo_rate is None:
        pseudo_rate = 0.35 if eval_templates else 0.15
    extended = not eval_templates or eval_r2
    filler = Filler(rng, pseudo_rate=pseudo_rate, extended=extended)
    out: list[Example] = []
    while len(out) < n:
        k = 1
        if rng.random() < multi_sentence_rate:
            k = rng.randint(2, 3)
        parts = [render(rng.choice(templates), filler) for _ in range(k)]
        text = ""
        spans: list[tuple[int, int, str]] = []
        for i, p in enumerate(parts):
            if i:
                text += rng.choice((" ", " ", "\n", "\n\n"))
            spans.extend((s + len(text), e + len(text), lab) for s, e, lab in p.spans)
            text += p.text
        out.append(_case_variant(Example(text, spans, parts[0].register), rng, extended))
    return out


def to_docs(nlp, examples: list[Example]):
    """Convert examples to spaCy Docs with `doc.ents` set (entities that do not align are dropped)."""
    docs = []
    dropped = 0
    for ex in examples:
        doc = nlp.make_doc(ex.text)
        ents = []
        for s, e, label in ex.spans:
            span = doc.char_span(s, e, label=label, alignment_mode="strict")
            if span is None:
                dropped += 1
                continue
            ents.append(span)
        doc.ents = ents
        docs.append(doc)
    return docs, dropped
