"""PERSON after the labels of forms and letters ("Requerente: JOANA DA SILVA", "Atenciosamente,⏎Dimas").

NER misses names in ALL CAPS on form lines and lone first names in signatures; a label makes them
unambiguous. Scored above the NER default, so the whole name wins over a truncated NER span. Values
that name a public body or a company are left to the other recognizers.
"""

from __future__ import annotations

import regex as re

from ..public_bodies import is_public_body
from .base import BrPatternRecognizer, PatternSpec

WORD = r"(?:[A-ZÀ-Ý][a-zà-ÿ'’]+|[A-ZÀ-Ý]{2,}|[A-ZÀ-Ý]\.)"
PARTICLE = r"(?:d[aeo]s?|D[AEO]S?|e|E)"
UPPER_NAME = r"[A-ZÀ-Ý]{2,}(?:[\x20](?:D[AEO]S?[\x20]|E[\x20])?[A-ZÀ-Ý]{2,}){1,5}"
FULL_NAME = WORD + r"(?:[\x20](?:" + PARTICLE + r"[\x20])?" + WORD + r"){1,6}"
LABELS = (r"(?i:Requerente|Requerid[oa]|Interessad[oa]|Destinatári[oa]|Remetente|Propriet[áa]ri[oa]|Condutor[a]?|"
          r"Assinam|Assinado[\x20]por|Assinada[\x20]por|Servidor[a]?|Paciente|Titular|Contribuinte|Solicitante|"
          r"Reclamante|Denunciante|Denunciad[oa]|Testemunha|Responsável|Beneficiári[oa]|Segurad[oa]|"
          r"Cônjuge|Nome[\x20]completo|Nome|Alun[oa]|Candidat[oa]|Genitor[a]?|Mãe|Pai|Filiação|Declarante|"
          r"Outorgante|Outorgad[oa]|Locatári[oa]|Locador[a]?|Comprador[a]?|Vendedor[a]?|Paciente|Usuári[oa])")
#: Forms of address before a name ("À Senhora OTÍLIA CAMPOS", "Prezada Dirce,").
ADDRESS_FORMS = (r"(?i:Senhora?|Sr\.|Sra\.|Srta\.|Dr\.|Dra\.|Doutora?|Prezad[oa]s?|Car[oa]|Ilmo\.?|Ilma\.?|"
                 r"Excelentíssim[oa]|Exm[oa]\.?|Dona|Dom)")
#: Words that follow those forms but are roles, not names ("Senhora Secretária").
ROLES = (r"(?i:Secretári|Diretor|Coordenador|Presidente|Ministr|Prefeit|Deputad|Senador|Juiz|Juíza|Ouvidor|"
         r"Superintendente|Chefe|Gerente|Procurador|Promotor|Delegad|Vereador|Governador|Reitor|Desembargador|"
         r"Conselheir|Relator|Servidor|Assistente|Analista|Técnic|Auditor|Agente|Senhor|Senhora|Colega|Cidad|Usuári|"
         r"Contribuinte|Cliente|Requerente|Interessad)")
#: Parliamentary titles before a name ("Deputado HUGO LEAL", "Do Deputado Aureo", "Sen. Fulano"). Judicial
#: titles (Relator, Ministro, Desembargador) are left to NER: in court decisions they precede section words.
PUBLIC_TITLES = r"(?i:Deputad[oa]|Senador[a]?|Vereador[a]?|Dep\.|Sen\.)"
#: Words after such a title that are not names ("Deputado Federal", "Relator Revisor").
NOT_AFTER_TITLE = (r"(?:Federal|Estadual|Distrital|Relator|Relatora|Revisor|Presidente|Titular|Suplente|Autor|"
                   r"Autora|FEDERAL|ESTADUAL|RELATOR|RELATORA|PRESIDENTE|Líder|LÍDER|da|do|de|das|dos|Substitut[oa]|"
                   r"Municipal|MUNICIPAL|Distrital|DISTRITAL|Constituinte|DO|DA|DE|Dr|Dra|Art|Por|Documento)\b")
#: Party acronyms that follow the name in bills ("Deputado FULANO DEM - SP"): never part of the name.
PARTY = (r"(?:PT|PSDB|PSD|MDB|PMDB|DEM|PP|PL|PSB|PDT|PTB|PSOL|PCdoB|PSC|PR|PROS|PV|REDE|NOVO|PODE|PODEMOS|"
         r"SOLIDARIEDADE|AVANTE|PATRIOTA|CIDADANIA|PSL|PRB|REPUBLICANOS|UNIÃO|PMN|PHS|PTC|DC|PMB|PRTB|PPS)\b")
CLOSINGS = r"(?i:Atenciosamente|Cordialmente|Respeitosamente|Abraços|Abs|Att|Grat[oa]|Obrigad[oa]|Saudações)"
_COMPANY = re.compile(r"\b(?:LTDA|Ltda|S\.?A\.?|S/A|ME|EPP|EIRELI|Eireli|Cia\.?|Companhia)\b")


class LabeledPersonRecognizer(BrPatternRecognizer):
    ENTITY = "PERSON"
    FLAGS = re.MULTILINE
    PATTERNS = (
        PatternSpec("after_label", r"(?<=(?<![\wÀ-ÿ])" + LABELS + r"(?:\(a\)|\(s\)|\(as\))?[\x20]*[:–-][\x20]*)"
                    + FULL_NAME, 0.9),
        PatternSpec("signature", r"(?<=(?<![\wÀ-ÿ])" + CLOSINGS + r"\.?,?[\x20]*\n(?:[\x20]*\n)?[\x20]*)"
                    + WORD + r"(?:[\x20](?:" + PARTICLE + r"[\x20])?" + WORD + r"){0,5}(?=[\x20]*(?:\n|$))", 0.85),
        PatternSpec("after_form_of_address", r"(?<=(?<![\wÀ-ÿ])" + ADDRESS_FORMS + r"[\x20])(?!" + ROLES + r")"
                    + WORD + r"(?:[\x20](?:" + PARTICLE + r"[\x20])?(?!" + ROLES + r")" + WORD + r"){0,5}", 0.86),
        PatternSpec("after_public_title", r"(?<=(?<![\wÀ-ÿ])" + PUBLIC_TITLES + r"[\x20]+)(?!" + NOT_AFTER_TITLE + r")"
                    r"(?!" + ROLES + r")" + WORD + r"(?:[\x20](?:" + PARTICLE + r"[\x20])?(?!" + PARTY + r")(?!" + ROLES + r")"
                    + WORD + r"){0,5}", 0.86),
        PatternSpec("name_line_before_role", r"(?m)(?<=^[\x20]*)" + UPPER_NAME + r"(?=[\x20]*\n[\x20]*" + ROLES + r")",
                    0.86),
    )

    def validate_value(self, text: str) -> bool | None:
        if is_public_body(text) or _COMPANY.search(text):
            return False
        return None
