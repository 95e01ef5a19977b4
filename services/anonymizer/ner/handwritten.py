"""A small hand-written, free-form evaluation set (non-legal Brazilian registers).

Written for this project independently of the synthetic templates, with names, places and
organizations deliberately chosen to be partly outside `lexicon`. Markup: `[text](LABEL)`.
Used by `evaluate.py --handwritten`; never used for training.
"""

from __future__ import annotations

import re

SENTENCES = [
    "Boa tarde, [Rosimar](PERSON)! Conforme combinado, o relatório da [Cooperativa Agrícola Vale do Jequitinhonha](ORGANIZATION) segue anexo.",
    "Eu, [Deusdete Aparecido Moura](PERSON), venho por meio desta solicitar a segunda via do carnê de IPTU.",
    "A escola municipal do bairro [Jardim Itapoã](LOCATION) está sem merenda há duas semanas, segundo a diretora [Kelly Cristina Bortolotto](PERSON).",
    "Ontem à noite um incêndio atingiu um galpão da [Madeireira Santo Expedito](ORGANIZATION) em [Ji-Paraná](LOCATION).",
    "Prezado Sr. [Wanderson](PERSON), sua solicitação foi encaminhada ao setor responsável.",
    "O secretário de saúde de [Chapecó](LOCATION), [Everaldo Zanella](PERSON), confirmou a abertura de novos leitos.",
    "Solicito informações sobre o concurso da [Companhia de Águas e Esgotos do Rio Grande do Norte](ORGANIZATION).",
    "Fui atendida pelo médico Dr. [Haroldo Pimentel Cruz](PERSON) na [UPA](ORGANIZATION) do [Bairro Novo](LOCATION) e esperei seis horas.",
    "Nome: [Francisleide dos Anjos Barbosa](PERSON) - Endereço: [Rua Projetada 7](LOCATION), casa 12, [Parque Piauí](LOCATION), [Teresina](LOCATION)/PI",
    "A [Polícia Rodoviária Federal](ORGANIZATION) interditou a [BR-116](LOCATION) perto de [Feira de Santana](LOCATION).",
    "Oi [Tati](PERSON), o [Gustavo Henrique](PERSON) pediu pra avisar que a reunião com a [Embrapa](ORGANIZATION) mudou pra quinta.",
    "Venho denunciar que a empresa [Limpa Fácil Serviços Gerais Ltda.](ORGANIZATION) não paga os salários dos funcionários desde março.",
    "A vereadora [Joseane Alcântara](PERSON) cobrou da [Secretaria de Obras](ORGANIZATION) a pavimentação da [Avenida Brasil](LOCATION).",
    "Em [Parintins](LOCATION), o festival reuniu milhares de pessoas, informou a [Prefeitura de Parintins](ORGANIZATION).",
    "O estudante [Ítalo Rangel](PERSON), da [Universidade Federal de Sergipe](ORGANIZATION), venceu a olimpíada de matemática.",
    "Encaminho em anexo o atestado médico da servidora [Lucélia Fontoura](PERSON), lotada no [Instituto Federal do Maranhão](ORGANIZATION).",
    "Senhor ouvidor, o ônibus que vai para [Vila Kennedy](LOCATION) não está passando no ponto da [Estrada do Mendanha](LOCATION).",
    "A [Fundação Nacional de Saúde](ORGANIZATION) firmou convênio com o município de [Santa Inês](LOCATION), no [Maranhão](LOCATION).",
    "Meu pai, [Ozéias Batista](PERSON), tem 82 anos e não consegue marcar a perícia no [INSS](ORGANIZATION).",
    "A professora [Mirtes Guimarães Sarmento](PERSON) foi homenageada pela [Câmara Municipal de Itabuna](ORGANIZATION).",
    "Assunto: reclamação contra a [Operadora Conecta Telecom](ORGANIZATION) - cliente [Adalberto Nunes](PERSON).",
    "O governo de [Santa Catarina](LOCATION) anunciou investimentos em [Lages](LOCATION) e [Criciúma](LOCATION).",
    "Olá, sou a [Graziela](PERSON) do RH da [Metalúrgica Irmãos Tonetto](ORGANIZATION), tudo bem?",
    "O motorista [Jocimar Teles](PERSON) foi autuado pelo [Detran-MG](ORGANIZATION) na saída de [Contagem](LOCATION).",
    "Atenciosamente,\n[Valdirene Cardoso](PERSON)\nAssistente Administrativo\n[Secretaria Municipal de Educação de Sobral](ORGANIZATION)",
    "A [Caixa](ORGANIZATION) liberou o saque para os moradores de [Petrópolis](LOCATION) atingidos pelas chuvas.",
    "Segundo o delegado [Anísio Falcão](PERSON), o suspeito fugiu para o [Paraguai](LOCATION).",
    "Gostaria de agradecer ao atendente [Ruan](PERSON) da agência do [Banco do Brasil](ORGANIZATION) em [Macapá](LOCATION).",
    "A reunião do conselho será no auditório da [Associação Comercial de Uberaba](ORGANIZATION), às 19h.",
    "Os moradores da [Comunidade do Cajueiro](LOCATION) pedem à [Defensoria Pública](ORGANIZATION) apoio jurídico.",
    "Declaro para os devidos fins que [Edinalva Souza Prates](PERSON) reside na [Travessa São Judas Tadeu](LOCATION), nº 45, em [Camaçari](LOCATION).",
    "Caro [Heitor](PERSON), obrigado pela visita à [Fiocruz](ORGANIZATION) semana passada.",
    "Na manhã desta terça-feira, a [Polícia Civil](ORGANIZATION) prendeu [Cleverson Luiz Andrade](PERSON) em [Ponta Grossa](LOCATION).",
    "Em março, o Conselho aprovou o orçamento e a Comissão de Ética arquivou a denúncia.",
    "Segunda-feira não haverá expediente. Favor reagendar os atendimentos.",
    "Vossa Senhoria deverá apresentar os documentos originais no prazo de cinco dias úteis.",
    "a minha vizinha dona [cida](PERSON) ta sem agua faz 3 dias aqui no [jardim são luiz](LOCATION)",
    "ENCAMINHAMENTO: [MARIA JOSÉ PEDROSA LINS](PERSON) - [HOSPITAL REGIONAL DE ARAPIRACA](ORGANIZATION)",
    "O contrato com a [Construtora Baluarte S.A.](ORGANIZATION) foi rescindido pela [Infraero](ORGANIZATION).",
    "A ministra [Nísia](PERSON) visitou o hospital em [Manaus](LOCATION) acompanhada do governador.",
]

_MARK = re.compile(r"\[([^\]]+)\]\((PERSON|LOCATION|ORGANIZATION)\)")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, pos = "", [], 0
    for m in _MARK.finditer(marked):
        text += marked[pos:m.start()]
        start = len(text)
        text += m.group(1)
        spans.append((start, len(text), m.group(2)))
        pos = m.end()
    text += marked[pos:]
    return text, spans


def examples() -> list[tuple[str, list[tuple[int, int, str]]]]:
    return [parse(s) for s in SENTENCES]
