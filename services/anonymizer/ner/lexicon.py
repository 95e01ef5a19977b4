"""Hand-written Brazilian Portuguese lexicons for the NER training data generator and name recognizer.

All lists were written for this project (no corpus text). They cover common Brazilian first names,
surnames (with the particles da/de/do/dos/das/e), municipalities and states, street types,
neighbourhoods, company name parts and legal suffixes, and public bodies.
"""

from __future__ import annotations


def _split(block: str, sep: str = ",") -> tuple[str, ...]:
    items = []
    joined = " ".join(line.strip() for line in block.strip().splitlines())
    for item in joined.split(sep):
        item = item.strip()
        if item:
            items.append(item)
    # keep order, drop duplicates
    return tuple(dict.fromkeys(items))


FIRST_NAMES_MALE = _split(
    """
    José, João, Antônio, Francisco, Carlos, Paulo, Pedro, Lucas, Luiz, Luís, Marcos, Gabriel, Rafael,
    Daniel, Marcelo, Bruno, Eduardo, Felipe, Raimundo, Rodrigo, Manoel, Manuel, Mateus, Matheus, André,
    Fernando, Fábio, Leonardo, Gustavo, Guilherme, Leandro, Tiago, Thiago, Anderson, Ricardo, Márcio,
    Jorge, Sebastião, Alexandre, Roberto, Edson, Diego, Vitor, Victor, Sérgio, Cláudio, Renato, Vinícius,
    Júlio, Juliano, Hugo, Igor, Caio, Otávio, Arthur, Artur, Heitor, Davi, Bernardo, Samuel, Enzo,
    Miguel, Henrique, Murilo, Nicolas, Benjamin, Lorenzo, Théo, Joaquim, Benedito, Geraldo, Francisco,
    Severino, Valdir, Valdemar, Adriano, Alessandro, Ailton, Aílton, Alberto, Alcides, Aldo, Álvaro,
    Amauri, Anselmo, Ari, Aristides, Armando, Augusto, Baltazar, Caetano, Celso, César, Cícero,
    Cristiano, Damião, Danilo, Denis, Domingos, Douglas, Edgar, Edivaldo, Edmilson, Edvaldo, Elias,
    Emanuel, Emerson, Enrico, Evandro, Everton, Ezequiel, Fabiano, Fabrício, Flávio, Gilberto,
    Gilmar, Gilson, Glauco, Gonçalo, Hélio, Humberto, Irineu, Isaac, Ivan, Jadson, Jailson, Jair,
    Jefferson, Joel, Jonas, Jonathan, Josué, Juarez, Kleber, Laércio, Lauro, Leonel, Lourenço,
    Luciano, Marcos, Mário, Maurício, Max, Milton, Moacir, Natanael, Nelson, Newton, Nilton, Norberto,
    Orlando, Osvaldo, Oswaldo, Otacílio, Patrick, Raul, Reginaldo, Reinaldo, Robson, Rogério,
    Romário, Ronaldo, Rubens, Rui, Ruy, Sandro, Silvio, Sílvio, Simão, Tadeu, Tarcísio, Ulisses,
    Valter, Walter, Wagner, Washington, Wellington, Wesley, William, Wilson, Yuri, Zacarias, Ivo,
    Jurandir, Lindomar, Natan, Ronildo, Cleber, Cleiton, Erivaldo, Genival, Gerson, Josias,
    Marcondes, Nivaldo, Odair, Olavo, Percival, Quirino, Rivaldo, Saulo, Tomás, Ubirajara, Vanderlei,
    Wanderley, Ademir, Adilson, Agnaldo, Alexsandro, Benício, Bento, Breno, Cauã, Davi Lucca,
    Diogo, Elton, Emílio, Erick, Fagner, Gean, Heleno, Ícaro, Itamar, Jeferson, Juscelino, Kaique,
    Luan, Marlon, Mauro, Nilo, Osmar, Pietro, Ramon, Renan, Ruan, Sidnei, Teodoro, Valmir, Wendel
    """
)

FIRST_NAMES_FEMALE = _split(
    """
    Maria, Ana, Francisca, Antônia, Adriana, Juliana, Márcia, Fernanda, Patrícia, Aline, Sandra,
    Camila, Amanda, Bruna, Jéssica, Letícia, Júlia, Luciana, Vanessa, Mariana, Gabriela, Vera,
    Vitória, Larissa, Cláudia, Beatriz, Luana, Rita, Sônia, Renata, Eliane, Josefa, Simone, Natália,
    Cristiane, Carla, Débora, Rosângela, Jaqueline, Rosa, Daniela, Aparecida, Marlene, Terezinha,
    Raimunda, Andreia, Andréa, Fabiana, Lúcia, Raquel, Ângela, Rafaela, Joana, Luzia, Elaine,
    Daiane, Regina, Rosana, Isabela, Isabel, Helena, Alice, Laura, Manuela, Valentina, Sophia, Sofia,
    Heloísa, Lívia, Lorena, Cecília, Eloá, Giovanna, Yasmin, Lara, Clara, Mirella, Melissa, Esther,
    Ester, Agatha, Rebeca, Emanuelly, Isadora, Nicole, Carolina, Catarina, Marina, Bianca, Priscila,
    Tatiane, Tatiana, Viviane, Kelly, Karina, Cíntia, Denise, Edna, Eliana, Fátima, Gisele, Glória,
    Graça, Iara, Ivone, Jane, Joelma, Jussara, Kátia, Lourdes, Madalena, Marta, Miriam, Mônica,
    Neide, Nilza, Olga, Paula, Queila, Rosemary, Rose, Roseli, Sabrina, Selma, Silvana, Solange,
    Suely, Sueli, Tânia, Teresa, Thaís, Valéria, Vânia, Zilda, Zuleide, Alessandra, Alcione, Alzira,
    Benedita, Carmem, Cármen, Célia, Cleide, Conceição, Dalva, Dora, Elisa, Elza, Estela, Eunice,
    Flávia, Francielle, Geovana, Gilda, Gislaine, Helena, Ilda, Inês, Irene, Ísis, Jandira, Janaína,
    Jordana, Josiane, Karen, Kelen, Lia, Lídia, Lilian, Lucimar, Lucinéia, Maiara, Marcela,
    Margarida, Maristela, Michele, Milena, Nádia, Nair, Noêmia, Odete, Poliana, Rayane, Rosilene,
    Samanta, Sheila, Sílvia, Stefany, Tainá, Talita, Vilma, Yara, Zélia, Nancy, Ellen, Laís,
    Cristina, Mara, Nathália, Thalita, Evelyn, Hellen, Kauane, Ludmila, Maísa, Pâmela, Rosimeire,
    Sara, Suelen, Taís, Vitória Régia, Wilma, Zenaide, Lorrane, Jenifer, Kamila, Eduarda
    """
)

FIRST_NAMES = tuple(dict.fromkeys(FIRST_NAMES_MALE + FIRST_NAMES_FEMALE))

#: Common second elements of compound first names ("Maria Eduarda", "João Pedro", "Ana Paula").
COMPOUND_SECOND = _split(
    """
    Eduarda, Clara, Luiza, Luísa, Paula, Beatriz, Cecília, Fernanda, Vitória, Júlia, Helena,
    Pedro, Paulo, Lucas, Gabriel, Miguel, Vitor, Carlos, Henrique, Augusto, Antônio, Ricardo, Marcos
    """
)

SURNAMES = _split(
    """
    Silva, Santos, Oliveira, Souza, Sousa, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa,
    Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha, Dias,
    Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Ramos,
    Gonçalves, Santana, Teixeira, Araújo, Araujo, Melo, Mello, Castro, Campos, Correia, Correa,
    Azevedo, Cavalcanti, Cavalcante, Monteiro, Moura, Pinto, Barros, Batista, Bezerra, Borges, Brito,
    Cunha, Farias, Fonseca, Franco, Freire, Garcia, Guimarães, Leite, Macedo, Magalhães, Matos,
    Medeiros, Miranda, Moraes, Morais, Neves, Nogueira, Pacheco, Paiva, Peixoto, Pires, Queiroz,
    Reis, Sales, Salles, Sampaio, Siqueira, Tavares, Torres, Vasconcelos, Xavier, Aguiar, Amaral,
    Amorim, Antunes, Assis, Ávila, Bastos, Bento, Bittencourt, Braga, Brandão, Bueno, Caldeira,
    Camargo, Coelho, Coêlho, Cordeiro, Coutinho, Cruz, Damasceno, Duarte, Esteves, Falcão, Faria,
    Figueiredo, Fontes, Frota, Galvão, Godoy, Guerra, Holanda, Jardim, Lacerda, Leal, Lemos, Lins,
    Lira, Lobo, Louzada, Luz, Maia, Malta, Marinho, Meireles, Meirelles, Mesquita, Miguel, Montenegro,
    Mota, Motta, Muniz, Novaes, Nóbrega, Padilha, Palmeira, Passos, Pimentel, Prado, Quintela,
    Rabelo, Rezende, Resende, Sá, Sarmento, Serra, Simões, Sobral, Tavora, Toledo, Valente, Vaz,
    Veloso, Viana, Vidal, Vilela, Barreto, Bragança, Calixto, Chaves, Diniz, Dantas, Estrela,
    Feitosa, Fontenele, Gusmão, Honorato, Igreja, Jesus, Lobato, Lustosa, Magno, Mattos, Matias,
    Mourão, Nicácio, Ornelas, Paz, Porto, Prates, Rangel, Régis, Romão, Sacramento, Saldanha,
    Seixas, Serrano, Severo, Tenório, Uchôa, Valadares, Varela, Ventura, Vital, Wanderley, Zanetti,
    Albuquerque, Alencar, Arruda, Athayde, Bandeira, Belo, Benevides, Bonfim, Cabral, Camelo,
    Cerqueira, Conceição, Couto, Crispim, Dourado, Escobar, Evangelista, Fagundes, Feitoza, Flores,
    Frazão, Furtado, Gadelha, Gaspar, Goulart, Gouveia, Hora, Jacinto, Lessa, Lisboa, Loureiro,
    Luna, Maciel, Mariano, Marins, Meira, Melgaço, Milani, Modesto, Nery, Neri, Novais, Onofre,
    Pádua, Patrício, Pedrosa, Pessoa, Pontes, Quaresma, Quintão, Rios, Sena, Sepúlveda, Sodré,
    Tomaz, Trindade, Valle, Vale, Vargas, Veras, Vieira, Abreu, Aquino, Aragão, Arantes, Barcelos,
    Bastos, Brum, Cabral, Caldas, Carneiro, Coimbra, Conti, Corrêa, Dutra, Fontana, Gaspar, Gentil,
    Gouvêa, Hoffmann, Klein, Kowalski, Müller, Schmidt, Schneider, Weber, Wagner, Becker, Fischer,
    Rossi, Russo, Ferrari, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, Conte,
    Costa, Tanaka, Suzuki, Yamamoto, Nakamura, Watanabe, Sato, Kobayashi, Haddad, Khoury, Nassar,
    Salomão, Bittar, Abdalla, Jorge, Mattar, Farah, Toffoli, Fux, Mussi, Benjamin, Lewandowski,
    Fachin, Barroso, Weber, Mendonça, Zanin, Dino, Marçal, Trajano, Lacerda, Bicalho, Brasil,
    Galdino, Guedes, Henriques, Ladeira, Mascarenhas, Nepomuceno, Ramalho, Rebouças, Sabino, Tolentino
    """
)

#: Generational suffixes that are part of the name.
NAME_SUFFIXES = ("Filho", "Júnior", "Junior", "Neto", "Sobrinho", "Segundo")

#: Honorifics / titles that precede a name but are NOT part of the PERSON span.
TITLES = _split(
    """
    Sr., Sra., Srª, Senhor, Senhora, Dr., Dra., Doutor, Doutora, Prof., Profª, Professor, Professora,
    Min., Ministro, Ministra, Des., Desembargador, Desembargadora, Juiz, Juíza, Deputado, Deputada,
    Senador, Senadora, Vereador, Vereadora, Prefeito, Prefeita, Secretário, Secretária, Delegado,
    Delegada, Promotor, Promotora, Procurador, Procuradora, Defensor, Defensora, Cel., Sgt., Cap.,
    Ten., Padre, Pastor, Irmã, Dom, Dona, Seu, Eng., Enfermeira, Servidor, Servidora
    """
)

UFS = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão",
    "MT": "Mato Grosso", "MS": "Mato Grosso do Sul", "MG": "Minas Gerais", "PA": "Pará",
    "PB": "Paraíba", "PR": "Paraná", "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro",
    "RN": "Rio Grande do Norte", "RS": "Rio Grande do Sul", "RO": "Rondônia", "RR": "Roraima",
    "SC": "Santa Catarina", "SP": "São Paulo", "SE": "Sergipe", "TO": "Tocantins",
}

#: Article used before the state name ("Estado de Minas Gerais", "Estado do Pará", "Estado da Bahia").
UF_ARTICLE = {
    "AC": "do", "AL": "de", "AP": "do", "AM": "do", "BA": "da", "CE": "do", "DF": "do", "ES": "do",
    "GO": "de", "MA": "do", "MT": "de", "MS": "de", "MG": "de", "PA": "do", "PB": "da", "PR": "do",
    "PE": "de", "PI": "do", "RJ": "do", "RN": "do", "RS": "do", "RO": "de", "RR": "de", "SC": "de",
    "SP": "de", "SE": "de", "TO": "do",
}

#: (city, UF) pairs: capitals and many medium/small municipalities.
CITIES = tuple(
    (c.strip(), uf)
    for uf, block in {
        "AC": "Rio Branco, Cruzeiro do Sul, Sena Madureira, Tarauacá, Feijó, Brasiléia, Xapuri",
        "AL": "Maceió, Arapiraca, Palmeira dos Índios, Rio Largo, Penedo, União dos Palmares, Delmiro Gouveia",
        "AP": "Macapá, Santana, Laranjal do Jari, Oiapoque, Mazagão",
        "AM": "Manaus, Parintins, Itacoatiara, Manacapuru, Coari, Tefé, Tabatinga, Humaitá",
        "BA": "Salvador, Feira de Santana, Vitória da Conquista, Camaçari, Itabuna, Juazeiro, Ilhéus, "
        "Lauro de Freitas, Jequié, Teixeira de Freitas, Barreiras, Alagoinhas, Porto Seguro, Paulo Afonso",
        "CE": "Fortaleza, Caucaia, Juazeiro do Norte, Maracanaú, Sobral, Crato, Itapipoca, Maranguape, "
        "Iguatu, Quixadá, Canindé, Russas",
        "DF": "Brasília, Taguatinga, Ceilândia, Samambaia, Planaltina, Gama, Sobradinho, Paranoá, "
        "Águas Claras, Guará, Santa Maria, Recanto das Emas",
        "ES": "Vitória, Vila Velha, Serra, Cariacica, Cachoeiro de Itapemirim, Linhares, Colatina, "
        "Guarapari, São Mateus, Aracruz",
        "GO": "Goiânia, Aparecida de Goiânia, Anápolis, Rio Verde, Luziânia, Águas Lindas de Goiás, "
        "Valparaíso de Goiás, Trindade, Formosa, Catalão, Itumbiara, Jataí, Caldas Novas",
        "MA": "São Luís, Imperatriz, São José de Ribamar, Timon, Caxias, Codó, Paço do Lumiar, Açailândia, "
        "Bacabal, Balsas",
        "MT": "Cuiabá, Várzea Grande, Rondonópolis, Sinop, Tangará da Serra, Cáceres, Sorriso, "
        "Lucas do Rio Verde, Primavera do Leste, Barra do Garças",
        "MS": "Campo Grande, Dourados, Três Lagoas, Corumbá, Ponta Porã, Naviraí, Nova Andradina, Aquidauana",
        "MG": "Belo Horizonte, Uberlândia, Contagem, Juiz de Fora, Betim, Montes Claros, Ribeirão das Neves, "
        "Uberaba, Governador Valadares, Ipatinga, Sete Lagoas, Divinópolis, Santa Luzia, Ibirité, "
        "Poços de Caldas, Patos de Minas, Pouso Alegre, Teófilo Otoni, Barbacena, Varginha, Conselheiro "
        "Lafaiete, Itabira, Araxá, Lavras, Ouro Preto, Diamantina, Viçosa, São João del-Rei",
        "PA": "Belém, Ananindeua, Santarém, Marabá, Parauapebas, Castanhal, Abaetetuba, Cametá, Bragança, "
        "Altamira, Itaituba, Paragominas, Tucuruí, Redenção",
        "PB": "João Pessoa, Campina Grande, Santa Rita, Patos, Bayeux, Sousa, Cabedelo, Cajazeiras, Guarabira",
        "PR": "Curitiba, Londrina, Maringá, Ponta Grossa, Cascavel, São José dos Pinhais, Foz do Iguaçu, "
        "Colombo, Guarapuava, Paranaguá, Araucária, Toledo, Apucarana, Pinhais, Campo Largo, "
        "Paranavaí, Campo Mourão, Umuarama, Cianorte, Francisco Beltrão, Pato Branco",
        "PE": "Recife, Jaboatão dos Guararapes, Olinda, Caruaru, Petrolina, Paulista, Cabo de Santo "
        "Agostinho, Camaragibe, Garanhuns, Vitória de Santo Antão, Igarassu, Serra Talhada, Arcoverde",
        "PI": "Teresina, Parnaíba, Picos, Piripiri, Floriano, Campo Maior, Barras, União, Oeiras",
        "RJ": "Rio de Janeiro, São Gonçalo, Duque de Caxias, Nova Iguaçu, Niterói, Belford Roxo, "
        "Campos dos Goytacazes, São João de Meriti, Petrópolis, Volta Redonda, Macaé, Magé, Itaboraí, "
        "Cabo Frio, Angra dos Reis, Nova Friburgo, Barra Mansa, Teresópolis, Mesquita, Nilópolis, "
        "Maricá, Resende, Saquarema, Araruama, Queimados",
        "RN": "Natal, Mossoró, Parnamirim, São Gonçalo do Amarante, Macaíba, Ceará-Mirim, Caicó, Assú, Currais Novos",
        "RS": "Porto Alegre, Caxias do Sul, Canoas, Pelotas, Santa Maria, Gravataí, Viamão, Novo Hamburgo, "
        "São Leopoldo, Rio Grande, Alvorada, Passo Fundo, Sapucaia do Sul, Uruguaiana, Santa Cruz do Sul, "
        "Cachoeirinha, Bagé, Bento Gonçalves, Erechim, Alegrete, Santana do Livramento, Ijuí, Lajeado",
        "RO": "Porto Velho, Ji-Paraná, Ariquemes, Vilhena, Cacoal, Rolim de Moura, Guajará-Mirim, Jaru",
        "RR": "Boa Vista, Rorainópolis, Caracaraí, Pacaraima, Mucajaí",
        "SC": "Florianópolis, Joinville, Blumenau, São José, Chapecó, Itajaí, Criciúma, Jaraguá do Sul, "
        "Palhoça, Lages, Balneário Camboriú, Brusque, Tubarão, Camboriú, Navegantes, Concórdia, Rio do Sul",
        "SP": "São Paulo, Guarulhos, Campinas, São Bernardo do Campo, Santo André, Osasco, São José dos "
        "Campos, Ribeirão Preto, Sorocaba, Mauá, São José do Rio Preto, Mogi das Cruzes, Santos, Diadema, "
        "Jundiaí, Piracicaba, Carapicuíba, Bauru, Itaquaquecetuba, São Vicente, Franca, Praia Grande, "
        "Guarujá, Taubaté, Limeira, Suzano, Taboão da Serra, Sumaré, Barueri, Embu das Artes, São Carlos, "
        "Marília, Indaiatuba, Cotia, Americana, Jacareí, Araraquara, Presidente Prudente, Itapevi, "
        "Hortolândia, Rio Claro, Araçatuba, Ferraz de Vasconcelos, Santa Bárbara d'Oeste, Itapetininga, "
        "Bragança Paulista, Botucatu, Atibaia, Ourinhos, Assis",
        "SE": "Aracaju, Nossa Senhora do Socorro, Lagarto, Itabaiana, São Cristóvão, Estância, Tobias Barreto",
        "TO": "Palmas, Araguaína, Gurupi, Porto Nacional, Paraíso do Tocantins, Colinas do Tocantins",
    }.items()
    for c in block.split(",")
    if c.strip()
)

COUNTRIES = _split(
    """
    Brasil, Portugal, Argentina, Paraguai, Uruguai, Bolívia, Chile, Peru, Colômbia, Venezuela,
    Estados Unidos, Espanha, Itália, França, Alemanha, Japão, China, Angola, Moçambique, Cabo Verde
    """
)

STREET_TYPES = _split(
    """
    Rua, Avenida, Av., Travessa, Tv., Alameda, Al., Praça, Estrada, Rodovia, Largo, Viela, Beco,
    Quadra, Setor, Conjunto, Vila, Ladeira, Passagem, Rua, Avenida, R.
    """
)

#: Second part of street names (people, dates, nature words); combined as "Rua das Flores".
STREET_NAMES = _split(
    """
    das Flores, das Palmeiras, dos Andradas, Sete de Setembro, Quinze de Novembro, XV de Novembro,
    Primeiro de Maio, Treze de Maio, Tiradentes, Getúlio Vargas, Presidente Vargas, Rio Branco,
    Barão do Rio Branco, Marechal Deodoro, Marechal Floriano, Duque de Caxias, Dom Pedro II,
    Princesa Isabel, Santos Dumont, Rui Barbosa, Castro Alves, José de Alencar, Machado de Assis,
    Paulista, Brasil, Amazonas, Afonso Pena, Boa Viagem, Atlântica, Beira Mar, dos Bandeirantes,
    Independência, da República, da Liberdade, da Saudade, do Comércio, São João, São Bento,
    Santo Antônio, Nossa Senhora de Fátima, dos Expedicionários, Bento Gonçalves, Voluntários da
    Pátria, Visconde de Mauá, Conselheiro Aguiar, Osvaldo Cruz, Anita Garibaldi, Frei Caneca,
    Augusta, Consolação, Ipiranga, Paraná, Goiás, Bahia, Pernambuco, Minas Gerais, das Acácias,
    dos Ipês, das Mangueiras, dos Girassóis, Central, Norte-Sul, JK, Juscelino Kubitschek,
    Tancredo Neves, Ulysses Guimarães, Leste Oeste, do Contorno, Castelo Branco, Anhanguera,
    Presidente Dutra, Fernão Dias, Raposo Tavares
    """
)

NEIGHBOURHOODS = _split(
    """
    Centro, Jardim América, Jardim Europa, Vila Nova, Vila Maria, Boa Vista, Copacabana, Ipanema,
    Tijuca, Botafogo, Leblon, Madureira, Bangu, Campo Grande, Barra da Tijuca, Savassi, Pampulha,
    Funcionários, Lourdes, Mooca, Pinheiros, Moema, Tatuapé, Itaquera, Santana, Liberdade,
    Bela Vista, Vila Mariana, Aldeota, Meireles, Messejana, Boa Viagem, Casa Amarela, Pituba,
    Barra, Ondina, Itapuã, Cabula, Asa Sul, Asa Norte, Lago Sul, Sudoeste, Cruzeiro, Batel,
    Água Verde, Boqueirão, Moinhos de Vento, Menino Deus, Petrópolis, Partenon, Cidade Nova,
    Jardim Paulista, Parque São Jorge, Jardim das Flores, Vila Esperança, Nova Esperança, São Cristóvão,
    Cidade Alta, Cidade Baixa, Ponta Negra, Alecrim, Umarizal, Nazaré, Marco, Jurunas, Adrianópolis,
    Coroado, Setor Bueno, Setor Oeste, Setor Marista, Jardim Goiás, Bairro Industrial, Vila Operária,
    Santa Efigênia, Santa Tereza, Conjunto Habitacional Esperança, Parque das Nações, Jardim Primavera
    """
)

COMPANY_WORDS = _split(
    """
    Construtora, Comércio, Indústria, Distribuidora, Transportes, Logística, Engenharia, Serviços,
    Tecnologia, Alimentos, Agropecuária, Mineração, Metalúrgica, Farmácia, Drogaria, Supermercado,
    Supermercados, Padaria, Auto Peças, Materiais de Construção, Consultoria, Informática, Telecom,
    Energia, Saneamento, Hospital, Clínica, Laboratório, Escola, Colégio, Faculdade, Imobiliária,
    Incorporadora, Empreendimentos, Participações, Investimentos, Seguros, Viagens, Turismo,
    Confecções, Calçados, Móveis, Eletrônicos, Veículos, Combustíveis, Posto, Hotel, Restaurante,
    Transportadora, Segurança, Vigilância, Limpeza, Editora, Gráfica, Comunicação, Publicidade,
    Têxtil, Cerâmica, Plásticos, Química, Agronegócio, Cooperativa, Associação, Instituto, Fundação
    """
)

COMPANY_NAMES = _split(
    """
    Horizonte, Nova Era, Progresso, Planalto, Aliança, Estrela, Sol Nascente, Boa Esperança, União,
    Primavera, Continental, Atlântico, Pioneira, Real, Imperial, Globo, Delta, Alfa, Ômega, Vitória,
    Santa Clara, São Jorge, Bom Jesus, Tropical, Cerrado, Pantanal, Amazônia, Nordeste, Sul América,
    Central, Líder, Master, Prime, Top, Max, Mega, Ideal, Modelo, Brasilis, Capital, Litoral, Serrana,
    Rio Doce, Paraíso, Ipê, Jacarandá, Tucano, Araras, Guanabara, Bandeirante, Gaúcha, Mineira,
    Baiana, Paulistana, Carioca, Potiguar, Candango, Irmãos Souza, Irmãos Oliveira, Três Irmãos,
    Família Costa, Ouro Verde, Terra Nova, Água Viva, Ponte Alta, Monte Alegre, Vale Verde
    """
)

COMPANY_SUFFIXES = ("Ltda.", "Ltda", "LTDA", "S.A.", "S/A", "ME", "EPP", "EIRELI", "MEI", "SA")

#: Well-known Brazilian companies and state-owned enterprises.
KNOWN_COMPANIES = _split(
    """
    Petrobras, Caixa Econômica Federal, Banco do Brasil, Correios, Eletrobras, Vale, Embraer,
    Itaú Unibanco, Bradesco, Santander, Nubank, Magazine Luiza, Americanas, Natura, Ambev, JBS,
    BRF, Gerdau, Sabesp, Cemig, Copel, Embrapa, Serpro, Dataprev, BNDES, Infraero, Telebras,
    Companhia Energética de Minas Gerais, Companhia de Saneamento Básico do Estado de São Paulo,
    Empresa Brasileira de Correios e Telégrafos, Banco do Nordeste, Banrisul, Sicredi, Sicoob,
    Oi, Vivo, Claro, TIM, Casas Bahia, Pão de Açúcar, Carrefour, Rede Globo, Azul Linhas Aéreas,
    Gol Linhas Aéreas, LATAM, Unimed, Hapvida, Amil, Cielo, Light, Enel, Equatorial Energia,
    Neoenergia, Compesa, Cagece, Embasa, Copasa, Caesb, Sanepar, Corsan, Cedae
    """
)

#: Public bodies. "{UF_NAME}" / "{CITY}" are filled by the generator.
PUBLIC_BODIES = _split(
    """
    Supremo Tribunal Federal; Superior Tribunal de Justiça; Tribunal Superior do Trabalho;
    Tribunal Superior Eleitoral; Superior Tribunal Militar; Conselho Nacional de Justiça;
    Conselho Nacional do Ministério Público; Tribunal de Contas da União; Controladoria-Geral da União;
    Advocacia-Geral da União; Procuradoria-Geral da República; Procuradoria-Geral da Fazenda Nacional;
    Ministério Público Federal; Ministério Público do Trabalho; Ministério Público Militar;
    Defensoria Pública da União; Polícia Federal; Polícia Rodoviária Federal; Receita Federal;
    Receita Federal do Brasil; Banco Central do Brasil; Instituto Nacional do Seguro Social;
    Instituto Brasileiro de Geografia e Estatística; Instituto Brasileiro do Meio Ambiente e dos
    Recursos Naturais Renováveis; Instituto Nacional de Colonização e Reforma Agrária;
    Agência Nacional de Vigilância Sanitária; Agência Nacional de Telecomunicações;
    Agência Nacional de Energia Elétrica; Agência Nacional de Saúde Suplementar;
    Agência Nacional de Transportes Terrestres; Agência Nacional de Águas; Fundação Nacional do Índio;
    Fundação Oswaldo Cruz; Conselho Administrativo de Defesa Econômica; Comissão de Valores Mobiliários;
    Departamento Nacional de Infraestrutura de Transportes; Fundo Nacional de Desenvolvimento da Educação;
    Ministério da Saúde; Ministério da Educação; Ministério da Fazenda; Ministério da Justiça e
    Segurança Pública; Ministério do Trabalho e Emprego; Ministério da Defesa; Ministério das Relações
    Exteriores; Ministério do Meio Ambiente; Ministério da Agricultura e Pecuária; Ministério das Cidades;
    Ministério da Previdência Social; Ministério do Desenvolvimento e Assistência Social;
    Ministério da Gestão e da Inovação em Serviços Públicos; Ministério da Cultura; Ministério de Minas e
    Energia; Ministério da Ciência, Tecnologia e Inovação; Ministério dos Direitos Humanos e da Cidadania;
    Presidência da República; Casa Civil; Senado Federal; Câmara dos Deputados; Congresso Nacional;
    Exército Brasileiro; Marinha do Brasil; Força Aérea Brasileira; Ordem dos Advogados do Brasil;
    Universidade de Brasília; Universidade Federal de Minas Gerais; Universidade Federal do Rio de
    Janeiro; Universidade de São Paulo; Universidade Estadual de Campinas; Universidade Federal da Bahia;
    Universidade Federal de Pernambuco; Universidade Federal do Ceará; Universidade Federal do Rio Grande
    do Sul; Universidade Federal de Santa Catarina; Universidade Federal do Paraná; Universidade Federal
    de Goiás; Universidade Federal do Pará; Universidade Federal do Amazonas; Universidade Federal
    Fluminense; Universidade Estadual Paulista; Universidade Federal de Viçosa; Universidade Federal de
    Juiz de Fora; Instituto Federal de Educação, Ciência e Tecnologia de São Paulo;
    Sistema Único de Saúde; Empresa Brasileira de Serviços Hospitalares; Caixa Econômica Federal;
    Tribunal Regional Federal da 1ª Região; Tribunal Regional Federal da 3ª Região;
    Tribunal Regional Federal da 4ª Região; Tribunal Regional do Trabalho da 2ª Região;
    Tribunal Regional do Trabalho da 15ª Região; Justiça Federal; Justiça do Trabalho; Justiça Eleitoral;
    Guarda Municipal; Corpo de Bombeiros Militar; Polícia Militar; Polícia Civil; Detran; Procon
    """
, sep=";")

#: Patterns for state / municipal bodies: "{uf}" = state name with article, "{city}" = city name.
STATE_BODY_PATTERNS = (
    "Tribunal de Justiça {art} {uf}",
    "Tribunal de Justiça do Estado {art} {uf}",
    "Ministério Público {art} {uf}",
    "Ministério Público do Estado {art} {uf}",
    "Defensoria Pública do Estado {art} {uf}",
    "Secretaria de Estado da Saúde {art} {uf}",
    "Secretaria de Estado de Educação {art} {uf}",
    "Secretaria da Fazenda do Estado {art} {uf}",
    "Secretaria de Segurança Pública {art} {uf}",
    "Polícia Militar do Estado {art} {uf}",
    "Polícia Civil {art} {uf}",
    "Assembleia Legislativa do Estado {art} {uf}",
    "Tribunal de Contas do Estado {art} {uf}",
    "Tribunal Regional Eleitoral {art} {uf}",
    "Procuradoria-Geral do Estado {art} {uf}",
    "Governo do Estado {art} {uf}",
    "Detran {art} {uf}",
    "Universidade Estadual {art} {uf}",
    "Universidade Federal {art} {uf}",
    "Junta Comercial do Estado {art} {uf}",
    "Corpo de Bombeiros Militar {art} {uf}",
)

CITY_BODY_PATTERNS = (
    "Prefeitura Municipal de {city}",
    "Prefeitura de {city}",
    "Câmara Municipal de {city}",
    "Secretaria Municipal de Saúde de {city}",
    "Secretaria Municipal de Educação de {city}",
    "Secretaria Municipal de Obras de {city}",
    "Secretaria Municipal de Assistência Social de {city}",
    "Secretaria Municipal de Fazenda de {city}",
    "Guarda Municipal de {city}",
    "Procuradoria-Geral do Município de {city}",
    "Serviço Autônomo de Água e Esgoto de {city}",
    "Hospital Municipal de {city}",
    "Conselho Tutelar de {city}",
    "Câmara de Vereadores de {city}",
)

#: Generic units inside a body that LeNER also tags as organizations.
COURT_UNITS = _split(
    """
    Primeira Turma, Segunda Turma, Terceira Turma, Quarta Turma, Quinta Turma, Sexta Turma,
    1ª Turma, 2ª Turma, 3ª Turma, 4ª Turma, 5ª Turma, 6ª Turma, 7ª Turma, 8ª Turma, Tribunal Pleno,
    Plenário, Órgão Especial, Corte Especial, Primeira Seção, Segunda Seção, Primeira Câmara Cível,
    Segunda Câmara Cível, Terceira Câmara Cível, Quarta Câmara Criminal, 1ª Câmara Criminal,
    2ª Câmara de Direito Privado, 5ª Câmara de Direito Público, Conselho Especial
    """
)

ORG_ACRONYMS = _split(
    """
    STF, STJ, TST, TSE, STM, CNJ, CNMP, TCU, CGU, AGU, PGR, PGFN, MPF, MPT, MPM, DPU, INSS, IBGE,
    IBAMA, INCRA, ANVISA, Anatel, ANEEL, ANS, ANTT, Funai, Fiocruz, CADE, CVM, DNIT, FNDE, SUS,
    Ebserh, UnB, UFMG, UFRJ, USP, Unicamp, UFBA, UFPE, UFC, UFRGS, UFSC, UFPR, UFG, UFPA, UFAM, UFF,
    Unesp, IFSP, OAB, TJSP, TJMG, TJRJ, TJDFT, TJRS, TJPR, TJBA, TJPE, TJCE, TJGO, TJSC, TJAC,
    TRF1, TRF3, TRF4, TRT2, TRT15, MPSP, MPMG, MPDFT, DPE, SEFAZ, SEDUC, SESA, SSP, PM, PF, PRF,
    Detran-SP, Procon-SP, Sabesp, Cemig, Copasa, Caesb, Embrapa, Serpro, Dataprev, BNDES, Infraero,
    PT, PSDB, MDB, PL, PSB, PDT, PSOL, FUNCEF, Previ, Petros
    """
)

#: Capitalized common words that are NOT entities (used for negatives / distractors).
NON_ENTITY_CAPS = _split(
    """
    Vossa Excelência, Vossa Senhoria, Excelentíssimo Senhor, Excelentíssima Senhora, Ilustríssimo
    Senhor, Meritíssimo Juiz, Prezado Senhor, Prezada Senhora, Atenciosamente, Cordialmente,
    Respeitosamente, Considerando, Ante o exposto, Diante do exposto, Isto posto, Nestes termos,
    Pede deferimento, Ementa, Relatório, Voto, Acórdão, Decisão, Despacho, Sentença, Ofício,
    Memorando, Parecer, Portaria, Resolução, Instrução Normativa, Edital, Anexo, Assunto,
    Referência, Protocolo, Requerente, Requerido, Reclamante, Reclamado, Autor, Réu, Apelante,
    Apelado, Agravante, Agravado, Impetrante, Impetrado, Relator, Relatora, Revisor, Interessado,
    Município, Estado, Fazenda Pública, Poder Judiciário, Poder Executivo, Administração Pública
    """
)

MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
    "outubro", "novembro", "dezembro",
)

WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")

#: Law / case-law names that contain proper nouns but are not PERSON/LOCATION/ORGANIZATION.
LAW_NAMES = _split(
    """
    Lei Maria da Penha, Lei Geral de Proteção de Dados, Lei de Acesso à Informação, Código Civil,
    Código de Processo Civil, Código Penal, Código de Processo Penal, Código de Defesa do Consumidor,
    Constituição Federal, Consolidação das Leis do Trabalho, Estatuto da Criança e do Adolescente,
    Estatuto do Idoso, Lei de Improbidade Administrativa, Lei de Licitações, Lei de Responsabilidade
    Fiscal, Lei Orgânica da Magistratura, Estatuto dos Servidores Públicos, Marco Civil da Internet,
    Lei Complementar nº 101/2000, Lei nº 8.112/1990, Lei nº 8.666/93, Lei nº 14.133/2021,
    Lei nº 13.709/2018, Decreto nº 7.724/2012, Lei nº 9.784/99, Lei nº 8.429/92, Lei nº 11.340/2006
    """
)

# --- round 2: more location shapes (highways, rivers, regions, Federal District places) ------------

#: Highway codes (federal "BR-116" and state "SP-330"); rendered with or without "rodovia".
HIGHWAY_NUMBERS = (
    "010", "020", "040", "050", "060", "070", "101", "104", "110", "116", "153", "158", "163", "230",
    "232", "242", "251", "262", "277", "304", "316", "324", "343", "364", "381", "392", "407", "470",
    "001", "005", "085", "150", "280", "330", "348", "374",
)

#: Rivers, lakes, mountain ranges, bays, parks and other named geographic features.
GEO_FEATURES = _split(
    """
    Rio São Francisco, Rio Tietê, Rio Paraná, Rio Amazonas, Rio Negro, Rio Solimões, Rio Tocantins,
    Rio Doce, Rio Paraíba do Sul, Rio Pinheiros, Rio Capibaribe, Rio Guaíba, Rio Madeira, Rio Xingu,
    Rio Tapajós, Rio Iguaçu, Rio Jaguaribe, Rio Parnaíba, Rio Acre, Rio Meia Ponte, Lago Paranoá,
    Lagoa dos Patos, Lagoa Rodrigo de Freitas, Baía de Guanabara, Baía de Todos os Santos,
    Serra da Mantiqueira, Serra do Mar, Chapada Diamantina, Chapada dos Veadeiros, Ilha do Marajó,
    Ilha do Governador, Ilha de Itamaracá, Córrego Vicente Pires, Córrego do Onça, Represa Billings,
    Parque Nacional da Tijuca, Parque Estadual do Jalapão, Floresta da Tijuca, Cataratas do Iguaçu,
    Pantanal, Amazônia, Caatinga, Cerrado
    """
)

#: Regions (macro-regions, metropolitan areas, informal regions).
REGIONS = _split(
    """
    Região Norte, Região Nordeste, Região Sul, Região Sudeste, Região Centro-Oeste, Nordeste, Norte,
    Sudeste, Centro-Oeste, Norte de Minas, Zona da Mata, Zona da Mata Mineira, Vale do Ribeira,
    Vale do Jequitinhonha, Vale do Itajaí, Vale do Paraíba, Baixada Fluminense, Baixada Santista,
    Recôncavo Baiano, Triângulo Mineiro, Serra Gaúcha, Sertão do Pajeú, Agreste, Grande São Paulo,
    Grande Porto Alegre, Região Metropolitana de Belo Horizonte, Região Metropolitana do Recife,
    Região Metropolitana de Salvador, Entorno do Distrito Federal, Oeste Paulista, Sul de Minas,
    Região dos Lagos, Região Serrana, Médio Paraíba, Alto Tietê, Cariri, Seridó, Bico do Papagaio
    """
)

#: Administrative regions and places of the Federal District (frequent in court documents).
DF_PLACES = _split(
    """
    Ceilândia, Taguatinga, Paranoá, Sobradinho, Planaltina, Gama, Samambaia, Brazlândia, Guará,
    Núcleo Bandeirante, Águas Claras, Recanto das Emas, Santa Maria, São Sebastião, Riacho Fundo,
    Vicente Pires, Itapoã, Estrutural, Cruzeiro, Lago Norte, Sobradinho II, Jardim Botânico,
    Varjão, Candangolândia, Park Way, Fercal, Arniqueira
    """
)

#: Named public places / address complexes in capitals (court and ministry addresses).
LANDMARK_PLACES = _split(
    """
    Praça dos Três Poderes, Esplanada dos Ministérios, Eixo Monumental, Setor de Autarquias Sul,
    Setor Comercial Sul, Setor Bancário Sul, Setor de Administração Federal Sul, Praça da Sé,
    Praça Municipal, Centro Administrativo da Bahia, Praça da Liberdade, Vale do Anhangabaú,
    Largo do Pelourinho, Cais do Porto, Orla de Copacabana, Estrada Parque Taguatinga,
    Estrada Parque Contorno, Via Estrutural, Via Dutra, Marginal Tietê, Marginal Pinheiros,
    Linha Vermelha, Linha Amarela, Avenida Paulista, Avenida das Nações
    """
)

#: Lower-case generic nouns that news/complaints use as subjects; NOT entities on their own.
GENERIC_SUBJECTS = _split(
    """
    a polícia, a polícia civil, a polícia militar, a polícia federal, a prefeitura, o governo,
    o governo federal, o governo estadual, a justiça, o tribunal, a câmara, a secretaria,
    a empresa, a escola, o hospital, a defesa civil, os bombeiros, a guarda municipal, o ministério,
    a promotoria, a defensoria, o banco, a operadora, a concessionária, a universidade, o sindicato,
    a construtora, a diretoria, a reportagem, a perícia, a fiscalização, o conselho tutelar
    """
)

#: Professional councils, unions and state agencies that take a "-UF" / "/UF" suffix ("CREA-DF", "SINPRO/DF").
COUNCIL_ACRONYMS = _split(
    """
    CREA, CRM, CRC, CAU, CRO, COREN, CRP, CREF, CRF, CRECI, CRN, OAB, Detran, Procon, Sebrae, Senac,
    Sesc, Senai, SINPRO, Sindsep, Sinduscon, Fecomércio, DER, Ceasa, Emater, Sindilegis, SINDPOL, Adepol
    """
)

#: Full names of regional bodies; formatted with the state ("{art} {uf}": "do Distrito Federal").
COUNCIL_PATTERNS = (
    ("Conselho Regional de Engenharia e Agronomia {art} {uf}", "CREA"),
    ("Conselho Regional de Medicina {art} {uf}", "CRM"),
    ("Conselho Regional de Contabilidade {art} {uf}", "CRC"),
    ("Conselho de Arquitetura e Urbanismo {art} {uf}", "CAU"),
    ("Conselho Regional de Odontologia {art} {uf}", "CRO"),
    ("Conselho Regional de Enfermagem {art} {uf}", "COREN"),
    ("Conselho Regional de Psicologia {art} {uf}", "CRP"),
    ("Conselho Regional de Corretores de Imóveis {art} {uf}", "CRECI"),
    ("Sindicato dos Professores {art} {uf}", "SINPRO"),
    ("Sindicato dos Servidores Públicos Federais {art} {uf}", "Sindsep"),
    ("Sindicato da Indústria da Construção Civil {art} {uf}", "Sinduscon"),
    ("Departamento de Estradas de Rodagem {art} {uf}", "DER"),
    ("Departamento de Trânsito {art} {uf}", "Detran"),
    ("Ordem dos Advogados do Brasil - Seção {art} {uf}", "OAB"),
)
