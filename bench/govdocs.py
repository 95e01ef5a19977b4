"""Generator of Brazilian government-style test documents with gold PII spans (benchmark only).

Written independently of the NER training data (the templates and lexicon of
services/anonymizer/ner/synthetic.py are not used, only its slot renderer `render_slots`): its own
templates (ofícios, despachos, ouvidoria complaints, certidões, forms, e-mails, traffic notices,
contract extracts), its own name, city, street and company lists.
Identifiers come from `services.anonymizer.identifiers` (valid check digits), in formatted and
unformatted spellings.

Annotation conventions (gold spans):

* PERSON: the name only, without titles ("Sr.", "Dra.") — full names, first names, upper-case.
* LOCATION: street name with its type ("Rua das Acácias", not the house number), neighbourhood,
  city; state abbreviations and names are LOCATION but not personal data (`pii=False`).
* ORGANIZATION: private companies with their legal suffix ("Vale Verde Engenharia Ltda.", PII);
  public bodies ("Instituto Nacional do Seguro Social", "INSS") are ORGANIZATION with `pii=False`.
* BR_* identifiers, PHONE_NUMBER, EMAIL_ADDRESS, IP_ADDRESS, CREDIT_CARD: the value only, without
  the label ("CPF nº").
* LOCATION "Campinas/SP" (city and state written as one unit) is one span; "Campinas – SP" is two.
* DATE_TIME: only dates that can identify a person are annotated (birth dates, "nascid{o,a} em ...",
  "data de nascimento"); document, deadline and event dates are not personal data and carry no span
  (the anonymizer's default DATE_TIME policy, see services/anonymizer/engine.py). A time alone: no span.
* BR_MATRICULA: a servant's registration number after "matrícula" ("250.511-8", "1234567").
* RG issuers ("SSP/MG") are public bodies (ORGANIZATION, not PII).

Numbers that are not personal data appear as distractors: SEI process numbers, ofício numbers, laws,
money amounts, protocol numbers, house numbers.

`python -m bench.govdocs --n 3` prints sample documents with their spans.
"""

from __future__ import annotations

import argparse
import random
import re
import unicodedata
from dataclasses import dataclass

from bench.anonymizer_eval import Example
from services.anonymizer import identifiers as ids
from services.anonymizer.ner.scoring import Span
from services.anonymizer.ner.synthetic import render_slots

# --------------------------------------------------------------------------------------------------
# Lexicons (written for the benchmark)
# --------------------------------------------------------------------------------------------------

FEMALE = """Adriele Alessandra Alzira Amália Ana Ana Clara Ana Luiza Andressa Antonieta Aparecida Bárbara
Benedita Betânia Camila Carmem Cássia Celina Cleide Conceição Creusa Dalva Daniela Dirce Edileuza
Elisângela Elza Eunice Fabíola Flávia Francielle Gabriele Geovana Gilda Glória Heloísa Hilda Iolanda
Iracema Irene Ivete Jaqueline Jordana Josiane Jucélia Jurema Kauane Lais Lidiane Liliane Lucimara
Luiza Maiara Maria Maria das Dores Maria Eduarda Maria José Marilene Marinalva Mayara Michele Nadir
Nathália Neusa Noemi Odete Otília Pâmela Poliana Quitéria Raíssa Regiane Rosilene Rute Samara Sheila
Sueli Talita Tainá Thaís Ursula Valdirene Vânia Virgínia Walkíria Yara Zélia Zuleide""".split()
MALE = """Abílio Adalberto Ademar Agenor Alan Aloísio Amaro Anísio Antônio Arlindo Baltazar Benedito Bruno
Caio Cássio Clodoaldo Cristóvão Dalton Deivid Dimas Edivaldo Elenilson Elói Erasmo Eustáquio Everaldo
Fabrício Felício Florêncio Genésio Gildásio Gustavo Hélder Heraldo Ismael Itamar Jackson Jairo Jeová
João João Pedro José José Carlos Josué Juvenal Kauã Leônidas Lindolfo Lucas Manoel Marcolino Mauro
Moisés Nestor Nilson Odilon Onofre Osias Paulo Sérgio Quintino Raimundo Reinaldo Ronaldo Rubens Sadraque
Silas Tarcísio Teobaldo Thiago Ubiratan Uélinton Valdecir Vicente Wanderson Weverton Wilker Xisto Zeca
Zenildo""".split()
# compound first names are written with a non-breaking marker below
SURNAMES = """Abreu Aguiar Albuquerque Almeida Alves Amaral Amorim Andrade Antunes Aragão Araújo Arruda Assis
Azevedo Bandeira Barbosa Barreto Barros Bastos Batista Bezerra Bittencourt Borges Braga Brandão Brito
Bueno Cabral Caldas Camargo Campos Cardoso Carneiro Carvalho Castro Cavalcante Chagas Coelho Correia
Costa Coutinho Cruz Cunha Damasceno Dantas Dias Duarte Esteves Falcão Farias Feitosa Fernandes Ferraz
Ferreira Figueiredo Fonseca Fontes Franco Freire Freitas Furtado Galvão Garcia Gomes Gonçalves Guedes
Guerra Guimarães Hashimoto Holanda Jardim Kowalczyk Lacerda Leal Leite Lima Linhares Lopes Macedo
Machado Magalhães Maia Marinho Martins Matos Medeiros Meireles Melo Mendes Menezes Miranda Monteiro
Moraes Moreira Mota Moura Nascimento Neves Nogueira Nunes Oliveira Pacheco Paiva Peixoto Pereira Pimentel
Pinheiro Pinto Portela Prado Queiroz Quintanilha Rabelo Ramos Rangel Rezende Ribeiro Rocha Rodrigues
Sales Salgado Sampaio Santana Santos Schmidt Siqueira Silva Soares Sousa Souza Tavares Teixeira Toledo
Tomaz Valente Vasconcelos Veloso Viana Vieira Xavier Yamada Zanella""".split()
SUFFIXES = ("Filho", "Júnior", "Neto", "Sobrinho")

# (city, UF)
CITIES = [
    ("Campinas", "SP"), ("Juiz de Fora", "MG"), ("Feira de Santana", "BA"), ("Caxias do Sul", "RS"),
    ("Londrina", "PR"), ("Joinville", "SC"), ("Uberlândia", "MG"), ("Ribeirão Preto", "SP"),
    ("Sorocaba", "SP"), ("Niterói", "RJ"), ("Petrópolis", "RJ"), ("Vila Velha", "ES"), ("Anápolis", "GO"),
    ("Caruaru", "PE"), ("Petrolina", "PE"), ("Mossoró", "RN"), ("Campina Grande", "PB"),
    ("Imperatriz", "MA"), ("Santarém", "PA"), ("Marabá", "PA"), ("Parintins", "AM"), ("Rio Branco", "AC"),
    ("Porto Velho", "RO"), ("Boa Vista", "RR"), ("Macapá", "AP"), ("Palmas", "TO"), ("Teresina", "PI"),
    ("Parnaíba", "PI"), ("Sobral", "CE"), ("Juazeiro do Norte", "CE"), ("Arapiraca", "AL"),
    ("Lagarto", "SE"), ("Vitória da Conquista", "BA"), ("Ilhéus", "BA"), ("Montes Claros", "MG"),
    ("Governador Valadares", "MG"), ("Poços de Caldas", "MG"), ("Blumenau", "SC"), ("Chapecó", "SC"),
    ("Cascavel", "PR"), ("Foz do Iguaçu", "PR"), ("Maringá", "PR"), ("Pelotas", "RS"), ("Santa Maria", "RS"),
    ("Passo Fundo", "RS"), ("Dourados", "MS"), ("Corumbá", "MS"), ("Rondonópolis", "MT"), ("Sinop", "MT"),
    ("Cuiabá", "MT"), ("Campo Grande", "MS"), ("São José dos Campos", "SP"), ("Bauru", "SP"),
    ("Piracicaba", "SP"), ("Presidente Prudente", "SP"), ("Guarulhos", "SP"), ("Osasco", "SP"),
    ("Nova Iguaçu", "RJ"), ("Volta Redonda", "RJ"), ("Cabo Frio", "RJ"), ("Cachoeiro de Itapemirim", "ES"),
    ("Belo Horizonte", "MG"), ("Salvador", "BA"), ("Recife", "PE"), ("Fortaleza", "CE"), ("Manaus", "AM"),
    ("Belém", "PA"), ("Curitiba", "PR"), ("Porto Alegre", "RS"), ("Florianópolis", "SC"), ("Goiânia", "GO"),
    ("São Luís", "MA"), ("Maceió", "AL"), ("Natal", "RN"), ("João Pessoa", "PB"), ("Aracaju", "SE"),
    ("Vitória", "ES"), ("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Brasília", "DF"),
    ("Taguatinga", "DF"), ("Altamira", "PA"), ("Tefé", "AM"), ("Itabuna", "BA"), ("Garanhuns", "PE"),
    ("Crato", "CE"), ("Picos", "PI"), ("Bacabal", "MA"), ("Ji-Paraná", "RO"), ("Araguaína", "TO"),
    ("Tangará da Serra", "MT"), ("Itajaí", "SC"), ("Jundiaí", "SP"), ("Divinópolis", "MG"),
]
STATES = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul", "MG": "Minas Gerais", "PA": "Pará", "PB": "Paraíba", "PR": "Paraná",
    "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul", "RO": "Rondônia", "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo",
    "SE": "Sergipe", "TO": "Tocantins",
}
STREET_TYPES = ("Rua", "Rua", "Rua", "Avenida", "Avenida", "Av.", "R.", "Travessa", "Alameda", "Praça",
                "Estrada", "Largo")
STREET_NAMES = """das Acácias|Marechal Deodoro|Sete de Setembro|Tiradentes|Barão do Rio Branco|Dom Pedro II|
Padre Cícero|Professora Maria Amélia|dos Andradas|XV de Novembro|Coronel Fernandes|José Bonifácio|das Flores|
do Comércio|Santos Dumont|Rui Barbosa|Visconde de Mauá|Castro Alves|Monteiro Lobato|Irmã Dulce|
Chico Mendes|Zumbi dos Palmares|dos Bandeirantes|Primeiro de Maio|Ana Néri|Cândido Portinari|Frei Caneca|
Duque de Caxias|da Independência|das Palmeiras|dos Ipês|João Pessoa|Senador Salgado Filho|
Engenheiro Rebouças|Doutor Arnaldo|Vereador Joaquim Lopes|das Mangueiras|Boa Esperança|do Sol|
Almirante Tamandaré|General Osório|Minas Gerais|Goiás|Quintino Bocaiúva|Benjamin Constant|
Francisco Glicério|Olavo Bilac|Cecília Meireles|Dona Maria Quitéria|Tenente Antônio João""".replace("\n", "").split("|")
NEIGHBOURHOODS = """Jardim América|Vila Nova|Santa Cecília|Parque das Nações|Jardim Primavera|Cidade Nova|
Vila Operária|Alto da Glória|São Cristóvão|Bela Vista|Jardim Botânico|Conjunto Habitacional Esperança|
Setor Bueno|Lagoa Seca|Ponta Verde|Pituba|Boa Viagem|Aldeota|Savassi|Trindade|Batel|Moinhos de Vento|
Nazaré|Umarizal|Jatiúca|Vila Mariana|Tatuapé|Jardim das Oliveiras|Vila Esperança|Parque São Jorge|
Cohab II|Residencial Bosque dos Ipês|Vila Industrial|Jardim Paulista|Monte Castelo|Santa Rosa|
Jardim Europa|Novo Horizonte|Morada do Sol|Planalto""".replace("\n", "").split("|")
COMPANY_KINDS = ("Construtora", "Transportadora", "Comércio de Alimentos", "Clínica Médica",
                 "Padaria e Confeitaria", "Auto Peças", "Distribuidora", "Serviços de Limpeza", "Engenharia",
                 "Farmácia", "Laboratório", "Agropecuária", "Metalúrgica", "Informática", "Consultoria",
                 "Materiais de Construção", "Hotel", "Posto de Combustíveis", "Gráfica", "Segurança Patrimonial")
COMPANY_NAMES = ("Vale Verde", "Horizonte Azul", "São Jorge", "Boa Esperança", "Primavera", "Nova Aliança",
                 "Santa Clara", "Três Irmãos", "Sol Nascente", "Ipê Amarelo", "Cruzeiro do Sul", "Rio Claro",
                 "Estrela Guia", "Bom Jesus", "Pioneira", "Líder", "Real", "Atlântico", "Serra Dourada",
                 "Pantanal", "Cerrado Vivo", "Mar Azul", "Nordeste Forte", "Aurora", "Tupã", "Jequitibá")
COMPANY_SUFFIXES = ("Ltda.", "Ltda.", "Ltda", "LTDA", "S.A.", "S/A", "ME", "EIRELI", "EPP")
# (name, acronym or None): public bodies, not personal data
PUBLIC_BODIES = [
    ("Instituto Nacional do Seguro Social", "INSS"), ("Ministério da Saúde", None),
    ("Secretaria de Estado da Fazenda", "SEFAZ"), ("Departamento Estadual de Trânsito", "DETRAN"),
    ("Tribunal Regional Federal da 3ª Região", "TRF3"), ("Defensoria Pública da União", "DPU"),
    ("Controladoria-Geral da União", "CGU"), ("Agência Nacional de Vigilância Sanitária", "Anvisa"),
    ("Fundação Nacional dos Povos Indígenas", "Funai"), ("Secretaria Municipal de Educação", "SME"),
    ("Polícia Rodoviária Federal", "PRF"), ("Procuradoria-Geral do Estado", "PGE"),
    ("Ministério Público Federal", "MPF"), ("Receita Federal do Brasil", "RFB"),
    ("Secretaria Municipal de Saúde", "SMS"), ("Instituto Brasileiro do Meio Ambiente e dos Recursos Naturais Renováveis", "Ibama"),
    ("Ministério do Desenvolvimento e Assistência Social", "MDS"), ("Tribunal de Contas da União", "TCU"),
    ("Conselho Tutelar", None), ("Secretaria de Estado de Segurança Pública", "SESP"),
    ("Fundo Nacional de Desenvolvimento da Educação", "FNDE"), ("Advocacia-Geral da União", "AGU"),
]
CARGOS = ("Coordenador-Geral de Atendimento", "Chefe de Divisão", "Analista Administrativo", "Ouvidora-Geral",
          "Diretora de Gestão de Pessoas", "Secretário Municipal", "Técnico do Seguro Social",
          "Auditor Fiscal", "Assistente Social", "Superintendente Regional", "Chefe de Gabinete",
          "Agente Administrativo", "Procurador do Estado", "Defensora Pública Federal")
SUBJECTS = ("Solicitação de revisão de benefício", "Resposta a requerimento", "Notificação de pendência documental",
            "Convocação para perícia", "Encaminhamento de manifestação", "Atualização cadastral",
            "Pedido de acesso à informação", "Restituição de valores", "Cancelamento de inscrição")
MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
          "novembro", "dezembro")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com", "uol.com.br", "bol.com.br",
                 "terra.com.br", "live.com", "icloud.com", "ig.com.br")
LAWS = ("Lei nº 8.213/1991", "Lei nº 12.527/2011", "Lei nº 13.709/2018", "Decreto nº 9.094/2017",
        "Lei nº 9.784/1999", "art. 5º, inciso XXXIII, da Constituição Federal", "Lei nº 8.112/1990",
        "Lei nº 9.503/1997", "Instrução Normativa nº 128/2022")

# --------------------------------------------------------------------------------------------------
# Templates. Slots: {key} or {key:mod}; {g:pN:masc/fem} picks by the person's gender.
# Keys: pN person, compN company, bodyN public body, cityN city (+ ufN, stateN of that city; cityufN is
# "City/UF" as one span, issuerN "SSP/UF" an RG issuer),
# streetN, bairroN, cepN, cpfN, cnpjN, rgN, cnhN, pisN, titN, cnsN, placaN, procN, telN, emailN
# (of pN, or of compN with emailcN), imailN (institutional address of bodyN: not PII), ipN, cardN,
# dateN, dtN / dtxN (date and time, "d/m/y h" / "d/m/y, às h"), dobN (birth date), hora (a time:
# DATE_TIME, not PII); non-PII, no span: num, compl,
# sei, ofnum, year, money, law, cargo, subject, prot.
# Mods: up (upper case), first (first name), short (first + last), low (lower case), plain
# (unformatted identifier), fmt (formatted identifier), long/num (date style), acr (acronym).
# --------------------------------------------------------------------------------------------------

OFICIO = [
    ["{body1:up}\n{body2}\n\nOfício nº {ofnum}/{year}/{body1:acr}\n\n{city9}, {date1:long}.\n\n",
     "{body1:up}\nOfício Circular nº {ofnum}/{year}\n{cityuf9}, {date1}.\n\n"],
    ["{g:p1:Ao Senhor/À Senhora}\n{p1:up}\n{street1}, nº {num}{compl} – {bairro1}\nCEP {cep1} – {cityuf1}\n\n",
     "{g:p1:Ao Sr./À Sra.} {p1}\nCPF {cpf1}\nEndereço: {street1}, {num}, {bairro1}, {city1} – {state1}, CEP {cep1}\n\n",
     "Destinatário: {p1}, inscrit{g:p1:o/a} no CPF sob o nº {cpf1:plain}, residente em {cityuf1}.\n\n"],
    ["Assunto: {subject}.\nReferência: Processo SEI nº {sei}.\n\n"],
    ["{g:p1:Senhor/Senhora} {p1:short},\n\n",
     "Prezad{g:p1:o Senhor/a Senhora},\n\n"],
    ["1. Em atenção ao requerimento protocolado em {date2} sob o nº {prot}, informamos que a análise do pedido de "
     "V. Sa. foi concluída nos termos da {law}.\n",
     "1. Cumprimentando-{g:p1:o/a} cordialmente, comunicamos que o benefício vinculado ao NIT {pis1} encontra-se "
     "suspenso desde {date2:long}, por ausência de comprovação de vida.\n",
     "1. Encaminhamos, para conhecimento, cópia da decisão proferida nos autos do processo nº {proc1}, em trâmite "
     "na {body2}.\n"],
    ["2. Solicitamos o comparecimento de V. Sa. à agência localizada na {street2}, {num}, {bairro2}, "
     "{city1}, no dia {dtx3}, munid{g:p1:o/a} de documento de identidade (RG {rg1}) e do cartão do SUS "
     "nº {cns1}.\n",
     "2. Eventuais dúvidas poderão ser esclarecidas pelo telefone {tel9} ou pelo e-mail institucional "
     "{imail1}, informando o número do CPF {cpf1}.\n",
     "2. Ressaltamos que o valor de {money} será restituído na conta indicada pel{g:p1:o/a} requerente, "
     "conforme dados bancários apresentados em {date3:num}.\n"],
    ["\nAtenciosamente,\n\n{p2}\n{cargo}\n{body1}\n",
     "\nRespeitosamente,\n\n{p2:up}\n{cargo}\n"],
]

DESPACHO = [
    ["DESPACHO\n\n", "DESPACHO Nº {ofnum}/{year} – {body1:acr}\n\n", "{body1:up}\nDESPACHO DECISÓRIO\n\n"],
    ["Processo nº {proc1}\nInteressad{g:p1:o/a}: {p1:up} (CPF {cpf1})\n",
     "Processo SEI: {sei}\nRequerente: {p1}, CPF nº {cpf1:plain}, RG {rg1}\n",
     "Autos nº {proc1:plain}\nParte: {p1}\nAdvogad{g:p3:o/a}: {p3}\n"],
    ["Assunto: {subject}.\n\n"],
    ["1. Trata-se de requerimento formulado por {p1:short}, servidor{g:p1:/a} lotad{g:p1:o/a} na {body2}, "
     "matrícula {mat1}, em que "
     "solicita a averbação de tempo de contribuição relativo ao período em que trabalhou na empresa {comp1} "
     "(CNPJ {cnpj1}).\n",
     "1. Cuida-se de recurso interposto por {p1} contra a decisão que indeferiu o pedido de isenção, sob o argumento "
     "de que reside em {cityuf1} desde {date2:long}.\n",
     "1. Os autos vieram a este setor para manifestação acerca do pedido de {p1}, portador{g:p1:/a} do título de "
     "eleitor nº {tit1}, que requer a retificação de seus dados cadastrais.\n"],
    ["2. Conforme certidão anexada, o interessado apresentou a CNH nº {cnh1} e comprovante de residência na "
     "{street1}, {num}, {city1}.\n",
     "2. A manifestação técnica de {p2}, {cargo}, concluiu pela regularidade da documentação, nos termos da {law}.\n",
     "2. Verifica-se que o CPF {cpf1} consta como responsável pelo veículo de placa {placa1}, o que afasta a "
     "alegação de ilegitimidade.\n"],
    ["3. Ante o exposto, DEFIRO o pedido. Encaminhe-se à {body1} para as providências cabíveis.\n",
     "3. Diante do exposto, INDEFIRO o requerimento. Notifique-se {g:p1:o/a} interessad{g:p1:o/a} pelo e-mail "
     "{email1}.\n",
     "3. Restituam-se os autos à origem. Publique-se.\n"],
    ["\n{city9}, {date1}.\n\n{p2}\n{cargo}\n", "\n{p2:up}\n{cargo}\nEm {date1:num}\n"],
]

OUVIDORIA = [
    ["Manifestação nº {prot} – Ouvidoria\nTipo: Reclamação\nData de registro: {date1:num}\nIP de origem: {ip1}\n\n",
     "RECLAMAÇÃO – Protocolo {prot}\n\n", ""],
    ["Meu nome é {p1} e moro na {street1}, número {num}, bairro {bairro1}, aqui em {city1}. ",
     "Boa tarde, sou {p1:low}, morador{g:p1:/a} do bairro {bairro1}. ",
     "Eu, {p1}, CPF {cpf1:plain}, venho registrar minha reclamação. ",
     "Prezados, me chamo {p1:short} e sou usuári{g:p1:o/a} do posto de saúde do bairro {bairro1} em {city1}. "],
    ["No dia {date2} fui atendid{g:p1:o/a} pelo servidor {p2:first} no balcão e ele se recusou a receber meus "
     "documentos, mesmo eu apresentando o cartão do SUS {cns1:plain} e o RG {rg1}. ",
     "Estou desde {date2:long} tentando marcar uma consulta e ninguém resolve. Meu cartão SUS é {cns1}. ",
     "A empresa {comp1} fez uma obra na frente da minha casa e deixou entulho na calçada há mais de um mês. ",
     "O ônibus da linha 304 passou direto no ponto várias vezes, o motorista do veículo placa {placa1} "
     "nem parou. "],
    ["Já liguei várias vezes para o número da {body1:acr} e não consegui falar com ninguém. ",
     "Também mandei mensagem para {p3} da coordenação, que disse que ia verificar, mas até agora nada. ",
     "Quero saber por que cobraram {money} no meu cartão de crédito nº {card1} se eu cancelei o serviço. ",
     ""],
    ["Peço retorno pelo telefone {tel1} ou pelo e-mail {email1}.\n",
     "Meu contato é {tel1}. Obrigad{g:p1:o/a}.\n",
     "Aguardo resposta no e-mail {email1}. Meu CPF é {cpf1} caso precisem.\n",
     "Telefone para contato: {tel1} (WhatsApp).\n"],
]

CERTIDAO = [
    ["{body1:up}\n\nCERTIDÃO\n\n", "CERTIDÃO DE REGULARIDADE\n\n", "{body1}\nCertidão nº {ofnum}/{year}\n\n"],
    ["Certifico, para os devidos fins, que {p1:up}, brasileir{g:p1:o/a}, nascid{g:p1:o/a} em {dob1}, natural de "
     "{cityuf2}, portador{g:p1:/a} da Cédula de Identidade RG nº {rg1} e inscrit{g:p1:o/a} no CPF sob o nº "
     "{cpf1}, ",
     "Certificamos que {p1}, CPF {cpf1:plain}, RG {rg1:plain}, filh{g:p1:o/a} de {p4}, ",
     "CERTIFICO que {g:p1:o senhor/a senhora} {p1}, inscrit{g:p1:o/a} no PIS/PASEP sob o nº {pis1}, "],
    ["residente e domiciliad{g:p1:o/a} na {street1}, {num}{compl}, {bairro1}, {city1} – {uf1}, CEP {cep1:plain}, ",
     "eleitor{g:p1:/a} inscrit{g:p1:o/a} sob o título nº {tit1}, ",
     ""],
    ["não possui débitos inscritos em dívida ativa até a presente data.\n",
     "encontra-se em situação regular perante este órgão, nada constando em seu nome.\n",
     "compareceu a esta repartição em {date2:long} e apresentou a documentação exigida.\n"],
    ["Certidão emitida em {dtx1}, válida por 90 (noventa) dias.\n",
     "\n{city9}, {date1:long}.\n\n{p2}\n{cargo}\n"],
]

FORMULARIO = [
    ["FORMULÁRIO DE CADASTRO – {body1:acr}\n\n", "REQUERIMENTO DE BENEFÍCIO\n\n", "Ficha de Atendimento nº {prot}\n\n"],
    ["Nome completo: {p1:up}\n", "Nome: {p1}\n", "NOME DO(A) REQUERENTE: {p1:up}\n"],
    ["CPF: {cpf1}\n", "CPF nº {cpf1:plain}\n", "C.P.F.: {cpf1}\n"],
    ["RG: {rg1}   Órgão emissor: {issuer1}\n", "Identidade (RG): {rg1:plain}\n", "Documento de identidade: RG {rg1}\n"],
    ["Data de nascimento: {dob1:num}\n", "Nascimento: {dob1}\n"],
    ["Nome da mãe: {p4}\n", ""],
    ["Endereço: {street1}, {num}{compl}\nBairro: {bairro1}\nCidade/UF: {cityuf1}\nCEP: {cep1}\n",
     "Endereço residencial: {street1}, nº {num}, {bairro1} – {cityuf1} – CEP {cep1:plain}\n"],
    ["Telefone: {tel1}\nE-mail: {email1}\n", "Celular: {tel1}\n", "Tel.: {tel1} / {tel2}\nEmail: {email1}\n"],
    ["PIS/PASEP/NIT: {pis1}\n", "NIS: {pis1:plain}\n", ""],
    ["Cartão Nacional de Saúde (CNS): {cns1}\n", "CNS: {cns1:plain}\n", ""],
    ["Título de eleitor: {tit1}\n", "Título eleitoral nº {tit1:plain}\n", ""],
    ["CNH nº {cnh1}\n", "Carteira de habilitação (CNH): {cnh1}\n", ""],
    ["Empregador: {comp1} – CNPJ {cnpj1}\n", "Vínculo: {comp1}, CNPJ nº {cnpj1:plain}\n", ""],
    ["\nDeclaro que as informações acima são verdadeiras.\n{city1}, {date1}.\nAssinatura: ________________\n",
     "\nAtendente: {p2:short} – Data: {date1:num}\n"],
]

EMAIL = [
    ["De: {p1} <{email1}>\nPara: {imail1}\nData: {dt1}\nAssunto: {subject}\n\n",
     "De: {p2} <{email2}>\nPara: {p1} <{email1}>\nCc: {p3}\nEnviado em: {date1:long}\nAssunto: RE: {subject}\n\n"],
    ["Prezad{g:p1:o/a} {p1:first},\n\n", "Bom dia,\n\n", "Senhores,\n\n"],
    ["Conforme conversamos por telefone, segue em anexo a documentação do processo {proc1}. ",
     "Encaminho os documentos solicitados: cópia do RG {rg1}, do CPF {cpf1} e comprovante de endereço na "
     "{street1}, {num}, em {city1}. ",
     "Informo que a empresa {comp1}, inscrita no CNPJ {cnpj1}, apresentou a proposta dentro do prazo. ",
     "Segue o número do meu título de eleitor ({tit1:plain}) e do NIT {pis1:plain}, como pedido. "],
    ["O responsável técnico é {p3}, que pode ser contatado pelo {tel2}. ",
     "A vistoria do veículo {placa1:plain} ficou agendada para {date2}. ",
     "O representante legal, {p4:up}, assinará o contrato em {date2:long}. ",
     ""],
    ["\n\nAtenciosamente,\n{p1}\n{tel1}\n", "\n\nAbraços,\n{p2:first}\n", "\n\nAtt.,\n{p2}\n{cargo}\n{body1}\n"],
]

NOTIFICACAO = [
    ["{body1:up}\nNOTIFICAÇÃO DE AUTUAÇÃO\n\n", "AUTO DE INFRAÇÃO Nº {prot}\n\n"],
    ["Proprietári{g:p1:o/a}: {p1:up}\nCPF/CNPJ: {cpf1}\n", "Condutor{g:p1:/a}: {p1}\nCNH: {cnh1}\n"],
    ["Veículo: placa {placa1}, marca/modelo FIAT/UNO, cor branca\n", "Placa: {placa1:plain}\nRENAVAM: 0{num}00{num}\n"],
    ["Local da infração: {street1}, altura do nº {num}, {bairro1}, {cityuf1}\nData: {date1:num}  Hora: {hora}\n"],
    ["Infração: transitar em velocidade superior à máxima permitida em até 20% (art. 218, I, da {law}).\n"
     "Valor da multa: {money}\n"],
    ["O condutor identificado, {p2}, CNH nº {cnh2:plain}, residente na {street2}, {bairro2}, CEP {cep2}, poderá "
     "apresentar defesa prévia até {date2}.\n",
     "Prazo para indicação do condutor: 30 dias a contar de {date2:long}.\n"],
    ["Agente autuador: {p3}, matrícula {mat3}.\n", ""],
]

EXTRATO = [
    ["EXTRATO DE CONTRATO Nº {ofnum}/{year}\n\n", "{body1:up}\nEXTRATO DE TERMO ADITIVO Nº {ofnum}/{year}\n\n"],
    ["Processo: {sei}. Contratante: {body1}. Contratada: {comp1}, CNPJ nº {cnpj1}. ",
     "Partes: {body1} ({body1:acr}) e {comp1:up} (CNPJ {cnpj1:plain}). "],
    ["Objeto: prestação de serviços de manutenção predial na sede situada na {street1}, {num}, {cityuf1}. ",
     "Objeto: fornecimento de gêneros alimentícios para as unidades escolares do município de {city1}. "],
    ["Valor global: {money}. Vigência: de {date1} a {date2}. Fundamento legal: {law}. "],
    ["Signatários: {p1}, pela contratante, e {p2}, representante legal da contratada, CPF {cpf2}.\n",
     "Assinam: {p1:up} ({cargo}) e {p2:up}, sócio-administrador da contratada.\n"],
    ["Fiscal do contrato: {p3}, telefone {tel1}, e-mail {email3}.\n", ""],
]

TEMPLATES = {"oficio": OFICIO, "despacho": DESPACHO, "ouvidoria": OUVIDORIA, "certidao": CERTIDAO,
             "formulario": FORMULARIO, "email": EMAIL, "notificacao": NOTIFICACAO, "extrato": EXTRATO}

# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(g:(\w+):([^/}]*)/([^}]*)|(\w+?)(\d*)(?::(\w+))?)\}")

_IDENTIFIER_TYPES = {
    "cpf": ("BR_CPF", ids.generate_cpf), "cnpj": ("BR_CNPJ", ids.generate_cnpj),
    "rg": ("BR_RG", ids.generate_rg), "cnh": ("BR_CNH", ids.generate_cnh), "pis": ("BR_PIS", ids.generate_pis),
    "tit": ("BR_TITULO_ELEITOR", ids.generate_titulo_eleitor), "cns": ("BR_CNS", ids.generate_cns),
    "cep": ("BR_CEP", ids.generate_cep), "placa": ("BR_PLACA", ids.generate_placa),
    "proc": ("BR_PROCESSO_CNJ", ids.generate_processo_cnj),
}


@dataclass
class _Person:
    full: str
    first: str
    last: str
    female: bool


def _particle(surname: str) -> str:
    """The particle usually written before a surname ("da Silva", "dos Santos", "do Nascimento")."""
    if surname in ("Santos", "Ramos", "Reis", "Passos", "Anjos"):
        return "dos"
    if surname.endswith("a"):
        return "da"
    if surname.endswith("o") and surname not in ("Toledo", "Macedo", "Prado"):
        return "do"
    return "de"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class _DocState:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[str, object] = {}
        #: per document: identifiers written formatted (True) or bare (False) when the template does not say
        self.formatted_bias = rng.random()

    # --- generators -------------------------------------------------------------------------------
    def person(self, key: str) -> _Person:
        if key not in self.values:
            rng = self.rng
            female = rng.random() < 0.5
            first = rng.choice(FEMALE if female else MALE)
            if rng.random() < 0.15:
                first = f"{first} {rng.choice(FEMALE if female else MALE)}"
            n_last = rng.choice((1, 2, 2, 2, 3))
            surnames = rng.sample(SURNAMES, n_last)
            parts = []
            for i, s in enumerate(surnames):
                if i > 0 or n_last == 1:
                    if rng.random() < 0.3:
                        parts.append(_particle(s))
                parts.append(s)
            if not female and rng.random() < 0.08:
                parts.append(rng.choice(SUFFIXES))
            full = f"{first} {' '.join(parts)}"
            self.values[key] = _Person(full, first.split()[0], surnames[-1], female)
        return self.values[key]  # type: ignore[return-value]

    def city(self, index: str) -> tuple[str, str]:
        key = f"city{index}"
        if key not in self.values:
            self.values[key] = self.rng.choice(CITIES)
        return self.values[key]  # type: ignore[return-value]

    def pick(self, key: str, options) -> str:  # type: ignore[no-untyped-def]
        if key not in self.values:
            self.values[key] = self.rng.choice(options)
        return self.values[key]  # type: ignore[return-value]

    def company(self, key: str) -> str:
        if key not in self.values:
            rng = self.rng
            kind, name, suffix = rng.choice(COMPANY_KINDS), rng.choice(COMPANY_NAMES), rng.choice(COMPANY_SUFFIXES)
            shape = rng.random()
            if shape < 0.45:
                value = f"{kind} {name} {suffix}"
            elif shape < 0.8:
                value = f"{name} {kind} {suffix}"
            else:
                value = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)} {kind} {suffix}"
            self.values[key] = value
        return self.values[key]  # type: ignore[return-value]

    def identifier(self, kind: str, key: str, mod: str | None) -> str:
        if key not in self.values:
            self.values[key] = self.rng.getrandbits(64)
        seed = self.values[key]
        generator = _IDENTIFIER_TYPES[kind][1]
        if mod == "plain":
            formatted = False
        elif mod == "fmt":
            formatted = True
        else:
            formatted = random.Random(f"{seed}-fmt").random() < 0.35 + 0.6 * self.formatted_bias
        return generator(random.Random(seed), formatted=formatted)

    def date(self, key: str, mod: str | None, birth: bool = False) -> str:
        if key not in self.values:
            rng = self.rng
            year = rng.randint(1940, 2006) if birth else rng.randint(2019, 2026)
            self.values[key] = (rng.randint(1, 28), rng.randint(1, 12), year, rng.random())
        d, m, y, style = self.values[key]  # type: ignore[misc]
        if mod == "long" or (mod is None and style < 0.35):
            day = "1º" if d == 1 else str(d)
            return f"{day} de {MONTHS[m - 1]} de {y}"
        if mod == "num" or style < 0.85:
            return f"{d:02d}/{m:02d}/{y}"
        return f"{d:02d}.{m:02d}.{y}"

    def email(self, key: str, owner: str) -> str:
        if key not in self.values:
            rng = self.rng
            if owner.startswith("comp"):
                local = rng.choice(("contato", "financeiro", "licitacoes", "comercial"))
                domain = re.sub(r"[^a-z]", "", _ascii(self.company(owner)).lower().split(" ltda")[0])[:18] + ".com.br"
            else:
                p = self.person(owner)
                first, last = _ascii(p.first).lower(), _ascii(p.last).lower()
                local = rng.choice((f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first[0]}{last}",
                                    f"{first}_{last}", f"{last}.{first}{rng.randint(70, 99)}"))
                domain = rng.choice(EMAIL_DOMAINS)
            self.values[key] = f"{local}@{domain}"
        return self.values[key]  # type: ignore[return-value]

    def ip(self, key: str) -> str:
        if key not in self.values:
            rng = self.rng
            self.values[key] = f"{rng.choice((177, 179, 186, 187, 189, 191, 200, 201))}.{rng.randint(0, 255)}." \
                               f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return self.values[key]  # type: ignore[return-value]

    def phone(self, key: str) -> str:
        if key not in self.values:
            self.values[key] = ids.generate_phone(self.rng, formatted=self.rng.random() < 0.85)
        return self.values[key]  # type: ignore[return-value]

    def card(self, key: str) -> str:
        if key not in self.values:
            self.values[key] = ids.generate_credit_card(self.rng)
        return self.values[key]  # type: ignore[return-value]

    # --- one slot -> (text, span type or None, pii) ------------------------------------------------
    def fill(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool]:
        for kind in (self._fill_party, self._fill_place, self._fill_identifier, self._fill_date, self._fill_other):
            slot = kind(name, index, mod)
            if slot is not None:
                return slot
        raise KeyError(f"unknown slot {name!r}")

    def _fill_party(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool] | None:
        """People, companies and public bodies."""
        if name == "p":
            p = self.person(f"p{index}")
            value = {"first": p.first, "short": f"{p.first} {p.last}"}.get(mod or "", p.full)
            if mod == "up":
                value = value.upper()
            elif mod == "low":
                value = value.lower()
            return value, "PERSON", True
        if name == "comp":
            value = self.company(f"comp{index}")
            return (value.upper() if mod == "up" else value), "ORGANIZATION", True
        if name == "body":
            full, acr = self.pick(f"body{index}", PUBLIC_BODIES)  # type: ignore[misc]
            if mod in ("acr", "acrlow"):
                acr = acr or "".join(w[0] for w in full.split() if w[0].isupper())
                if mod == "acrlow":
                    return _ascii(acr).lower(), None, False
                return acr, "ORGANIZATION", False
            return (full.upper() if mod == "up" else full), "ORGANIZATION", False
        return None

    def _fill_place(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool] | None:
        if name == "city":
            return self.city(index)[0], "LOCATION", True
        if name == "cityuf":  # "Campinas/SP": one written unit, one LOCATION
            city, uf = self.city(index)
            return f"{city}/{uf}", "LOCATION", True
        if name == "issuer":  # RG issuer "SSP/MG": a public body
            return f"SSP/{self.city(index)[1]}", "ORGANIZATION", False
        if name == "uf":
            return self.city(index)[1], "LOCATION", False
        if name == "state":
            return STATES[self.city(index)[1]], "LOCATION", False
        if name == "street":
            key = f"street{index}"
            if key not in self.values:
                self.values[key] = f"{self.rng.choice(STREET_TYPES)} {self.rng.choice(STREET_NAMES)}"
            return self.values[key], "LOCATION", True  # type: ignore[return-value]
        if name == "bairro":
            return self.pick(f"bairro{index}", NEIGHBOURHOODS), "LOCATION", True
        return None

    def _fill_identifier(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool] | None:
        """Identifiers and contacts (BR_*, phones, e-mails, IP addresses, cards, matrículas)."""
        rng = self.rng
        if name in _IDENTIFIER_TYPES:
            return self.identifier(name, f"{name}{index}", mod), _IDENTIFIER_TYPES[name][0], True
        if name == "tel":
            return self.phone(f"tel{index}"), "PHONE_NUMBER", True
        if name == "email":
            return self.email(f"email{index}", f"p{index}"), "EMAIL_ADDRESS", True
        if name == "emailc":
            return self.email(f"emailc{index}", f"comp{index}"), "EMAIL_ADDRESS", True
        if name == "imail":  # an institutional address: an e-mail, but not personal data
            full, acr = self.pick(f"body{index}", PUBLIC_BODIES)  # type: ignore[misc]
            acr = acr or "".join(w[0] for w in full.split() if w[0].isupper())
            local = self.pick("imail_local", ("protocolo", "atendimento", "ouvidoria", "gabinete"))
            return f"{local}@{_ascii(acr).lower()}.gov.br", "EMAIL_ADDRESS", False
        if name == "ip":
            return self.ip(f"ip{index}"), "IP_ADDRESS", True
        if name == "card":
            return self.card(f"card{index}"), "CREDIT_CARD", True
        if name == "mat":  # matrícula funcional: "250.511-8", "1234567-0", "0123456"
            key = f"mat{index}"
            if key not in self.values:
                a, b, d = rng.randint(100, 999), rng.randint(0, 999), rng.randint(0, 9)
                self.values[key] = rng.choice((f"{a}.{b:03d}-{d}", f"{a}{b:03d}{d}", f"{rng.randint(10**6, 10**7 - 1)}-{d}",
                                               f"{a}.{b:03d}.{rng.randint(0, 999):03d}-{d}"))
            return self.values[key], "BR_MATRICULA", True  # type: ignore[return-value]
        return None

    def _fill_date(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool] | None:
        """Dates and times: only birth dates identify a person (see module docstring)."""
        if name == "date":
            return self.date(f"date{index}", mod), None, False
        if name == "dt":  # date and time written together
            return f"{self.date(f'date{index}', 'num')} {self.fill('hora', '', None)[0]}", None, False
        if name == "dtx":  # "12/03/2025, às 14h30"
            return f"{self.date(f'date{index}', mod)}, às {self.fill('hora', '', None)[0]}", None, False
        if name == "dob":
            return self.date(f"dob{index}", mod, birth=True), "DATE_TIME", True
        if name == "hora":  # a time of day alone: not personal data, no span
            return f"{self.rng.randint(7, 18)}h{self.rng.choice(('00', '15', '30', '45'))}", None, False
        return None

    def _fill_other(self, name: str, index: str, mod: str | None) -> tuple[str, str | None, bool] | None:
        """Fillers that are not personal data (no span)."""
        rng = self.rng
        if name == "num":
            return str(rng.choice((rng.randint(1, 99), rng.randint(100, 2999)))), None, False
        if name == "compl":
            return rng.choice(("", "", f", apto {rng.randint(11, 904)}", f", casa {rng.randint(1, 9)}",
                               f", bloco {rng.choice('ABCD')}, apto {rng.randint(101, 504)}", ", fundos")), None, False
        if name == "sei":
            return f"{rng.randint(10000, 99999)}.{rng.randint(0, 999999):06d}/{rng.randint(2019, 2026)}-" \
                   f"{rng.randint(10, 99)}", None, False
        if name == "ofnum":
            return str(rng.randint(1, 2400)), None, False
        if name == "year":
            return str(rng.randint(2022, 2026)), None, False
        if name == "money":
            value = f"{rng.randint(50, 250000):,}".replace(",", ".")
            return f"R$ {value},{rng.randint(0, 99):02d}", None, False
        if name == "law":
            return rng.choice(LAWS), None, False
        if name == "cargo":
            return self.pick("cargo", CARGOS), None, False
        if name == "subject":
            return self.pick("subject", SUBJECTS), None, False
        if name == "prot":
            return rng.choice((f"{rng.randint(2021, 2026)}.{rng.randint(1, 99999):05d}",
                               f"OUV-{rng.randint(2021, 2026)}-{rng.randint(1, 999999):06d}",
                               f"{rng.randint(100000, 999999)}/{rng.randint(2021, 2026)}")), None, False
        return None


def render(sections: list[list[str]], rng: random.Random, kind: str) -> Example:
    state = _DocState(rng)
    template = "".join(rng.choice(options) for options in sections)

    def fill(m: re.Match[str]) -> tuple[str, tuple[str, bool] | None, int]:
        if m.group(2):  # gender choice
            person = state.person(m.group(2))
            return (m.group(4) if person.female else m.group(3)), None, 0
        value, etype, pii = state.fill(m.group(5), m.group(6), m.group(7))
        return value, ((etype, pii) if etype is not None and value else None), 0

    text, spans = render_slots(template, _SLOT, fill)
    return Example(text, [Span(etype, start, end, pii) for start, end, (etype, pii) in spans], kind)


def generate_documents(n: int = 300, seed: int = 2026) -> list[Example]:
    """`n` documents, template families in turn, deterministic for a seed."""
    rng = random.Random(seed)
    kinds = sorted(TEMPLATES)
    return [render(TEMPLATES[kinds[i % len(kinds)]], rng, kinds[i % len(kinds)]) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    for ex in generate_documents(args.n, args.seed):
        print(f"=== {ex.kind} ===")
        print(ex.text)
        for s in ex.spans:
            print(f"  {s.type:<18} {'' if s.pii else '(not PII) '}{ex.text[s.start:s.end]!r}")


if __name__ == "__main__":
    main()
