"""A generator of Portuguese administrative documents with PII and a known severity, for the demo.

Each document is a short occurrence report of a public body (ofício, e-mail, ouvidoria complaint,
maintenance report...) about one event whose severity (BAIXA, MEDIA, ALTA, CRITICA) the generator
knows; names, CPFs, phones, e-mails, addresses and dates are invented (CPF check digits are valid, so
the anonymizer's recognizers see real-looking identifiers). Seeded: the same seed gives the same set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEVERITIES = ("BAIXA", "MEDIA", "ALTA", "CRITICA")

EVENTS: dict[str, list[str]] = {
    "BAIXA": [
        "uma lâmpada queimada no corredor do segundo andar, já substituída pela equipe de manutenção",
        "atraso de um dia na entrega de material de escritório, sem impacto no atendimento",
        "um erro de digitação em um comunicado interno, corrigido no mesmo dia",
        "a impressora do protocolo com papel atolado, resolvido pelo próprio setor",
        "reclamação sobre a temperatura do ar-condicionado da sala de espera, ajustada em seguida",
    ],
    "MEDIA": [
        "atraso de duas semanas no pagamento de um fornecedor de limpeza, com risco de multa contratual",
        "instabilidade intermitente no sistema de agendamento, que deixou cidadãos sem atendimento por algumas horas",
        "infiltração no teto do arquivo, que pode danificar processos físicos se não for reparada",
        "falta de servidores no plantão do fim de semana, com filas acima do normal",
        "licitação de manutenção predial suspensa por falha no edital, atrasando obras previstas",
    ],
    "ALTA": [
        "vazamento de dados pessoais de cerca de 300 cidadãos em planilha enviada por engano a terceiros",
        "pane no servidor principal, com o sistema de benefícios fora do ar há dois dias",
        "desvio de recursos identificado pela auditoria interna em contratos de transporte escolar",
        "rachaduras estruturais em escola municipal, com interdição parcial do prédio",
        "falha no abastecimento de medicamentos de uso contínuo na rede de saúde da região",
    ],
    "CRITICA": [
        "incêndio no almoxarifado do hospital regional, com pacientes evacuados e feridos",
        "ataque de ransomware que cifrou todos os sistemas da secretaria, incluindo prontuários",
        "rompimento de adutora que deixou bairros inteiros sem água e hospitais em risco",
        "desabamento parcial de passarela com vítimas, exigindo resposta imediata da defesa civil",
        "vazamento de gás tóxico em estação de tratamento, com risco iminente à população vizinha",
    ],
}

FIRST = ("Ana", "Bruno", "Carla", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João",
         "Larissa", "Marcos", "Natália", "Otávio", "Patrícia", "Rafael", "Sandra", "Tiago", "Vanessa", "Wagner")
LAST = ("Almeida", "Barbosa", "Cardoso", "Duarte", "Ferreira", "Gomes", "Lima", "Martins", "Nogueira",
        "Oliveira", "Pereira", "Ribeiro", "Santos", "Teixeira", "Vieira")
CITIES = ("Campinas", "Sorocaba", "Londrina", "Uberlândia", "Juiz de Fora", "Feira de Santana", "Caxias do Sul",
          "Maringá", "Anápolis", "Petrolina")
STREETS = ("Rua das Acácias", "Avenida Brasil", "Rua XV de Novembro", "Travessa São José", "Rua Sete de Setembro")
BODIES = ("Secretaria Municipal de Saúde", "Secretaria de Educação", "Departamento de Obras",
          "Ouvidoria Geral do Município", "Secretaria de Administração")

TEMPLATES = (
    "Ofício nº {num}/2026 – {body}. Senhor(a) Diretor(a), comunicamos que no dia {date} foi registrado o seguinte: {event}. "
    "A ocorrência foi relatada por {person}, CPF {cpf}, residente na {street}, {house}, em {city}. "
    "Contato: {phone}.",
    "Assunto: ocorrência no {body}. Prezados, informo que em {date} houve {event}. "
    "Responsável pelo registro: {person} (CPF {cpf}, e-mail {email}). Favor avaliar as providências.",
    "Manifestação de ouvidoria nº {num}. O cidadão {person}, portador do CPF {cpf}, telefone {phone}, relata "
    "que em {date}, em {city}, ocorreu {event}. Solicita retorno do {body}.",
    "Relatório de ocorrência – {body}, unidade de {city}. Data: {date}. Descrição: {event}. "
    "Servidor(a) que constatou: {person}, matrícula {num}, e-mail {email}.",
)


@dataclass(frozen=True)
class DemoDocument:
    document_id: str
    text: str
    #: The severity the generator built the document around (ground truth for the demo's table).
    severity: str
    #: The PII values written into the text (the demo shows they never reach the teacher).
    pii: tuple[str, ...]


def cpf(rng: random.Random) -> str:
    """A CPF with valid check digits, formatted."""
    digits = [rng.randrange(10) for _ in range(9)]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1)))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    s = "".join(map(str, digits))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def generate(n: int, seed: int = 2026, prefix: str = "DOC") -> list[DemoDocument]:
    """`n` documents, severities in turn (balanced), everything else drawn from `seed`."""
    rng = random.Random(seed)
    documents = []
    for index in range(n):
        severity = SEVERITIES[index % len(SEVERITIES)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        person = f"{first} {rng.choice(LAST)} {last}"
        values = {
            "num": str(rng.randint(100, 9999)), "body": rng.choice(BODIES), "event": rng.choice(EVENTS[severity]),
            "date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026", "person": person, "cpf": cpf(rng),
            "street": rng.choice(STREETS), "house": str(rng.randint(10, 2000)), "city": rng.choice(CITIES),
            "phone": f"({rng.randint(11, 99)}) 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            "email": f"{first.lower().replace('ã', 'a').replace('á', 'a').replace('é', 'e').replace('í', 'i')}"
                     f".{last.lower()}@exemplo.gov.br",
        }
        text = rng.choice(TEMPLATES).format(**values)
        pii = tuple(values[k] for k in ("person", "cpf", "phone", "email") if values[k] in text)
        documents.append(DemoDocument(f"{prefix}-{index + 1:03d}", text, severity, pii))
    return documents
