"""Pattern recognizers (services/anonymizer/recognizers/) run through a real Presidio AnalyzerEngine."""

from __future__ import annotations

import random
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from services.anonymizer import identifiers as ids
from services.anonymizer.nlp import build_nlp_engine
from services.anonymizer.recognizers import BrCpfRecognizer, BrPisRecognizer, build_recognizers, supported_entities

# (the configuration and the registry: test_recognizers_registry.py)
BR_TYPES = {e for e in supported_entities() if e.startswith("BR_")}


@pytest.fixture(scope="module")
def analyzer() -> AnalyzerEngine:
    registry = RecognizerRegistry(recognizers=build_recognizers(), supported_languages=["pt"])
    return AnalyzerEngine(nlp_engine=build_nlp_engine(), registry=registry, supported_languages=["pt"])


def resolve_overlaps(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """What the service does with overlapping hits (engine.resolve_overlaps): best score, then
    longest span, wins. A tie between two types on one span fails the tests instead of being
    decided by recognizer order."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    for a, b in zip(ranked, ranked[1:]):
        assert not (a.score == b.score and (a.start, a.end) == (b.start, b.end)), f"tie: {a} / {b}"
    kept: list[RecognizerResult] = []
    for candidate in ranked:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda r: r.start)


def found(analyzer: AnalyzerEngine, text: str, **kwargs) -> list[tuple[str, str]]:
    """(entity type, matched text) after overlap resolution, in text order."""
    results = resolve_overlaps(analyzer.analyze(text, language="pt", **kwargs))
    return [(r.entity_type, text[r.start:r.end]) for r in results]


def types_of(analyzer: AnalyzerEngine, text: str) -> set[str]:
    return {entity for entity, _ in found(analyzer, text)}


# --- formatted values are found without any label ----------------------------------------------------

FORMATTED = [
    ("BR_CPF", "529.982.247-25"),
    ("BR_CNPJ", "11.222.333/0001-81"),
    ("BR_CNPJ", "12.ABC.345/01DE-35"),
    ("BR_PIS", "120.54843.99-9"),
    ("BR_CNS", "123 4567 8901 0000"),
    ("BR_TITULO_ELEITOR", "0043 5687 0906"),
    ("BR_TITULO_ELEITOR", "0043.5687.0906"),
    ("BR_PROCESSO_CNJ", "0000001-15.2019.8.26.0100"),
    ("BR_RG", "24.678.131-2"),
    ("BR_RG", "12.345.678-9"),
    ("BR_RG", "MG-12.345.678"),
    ("BR_CEP", "70040-010"),
    ("BR_CEP", "70.040-010"),
    ("BR_PLACA", "ABC-1234"),
    ("BR_PLACA", "BRA2E19"),
    ("PHONE_NUMBER", "+55 (11) 91234-5678"),
    ("PHONE_NUMBER", "(11) 91234-5678"),
    ("PHONE_NUMBER", "11 91234-5678"),
    ("PHONE_NUMBER", "(61) 3312-4567"),
    ("PHONE_NUMBER", "0800 123 4567"),
    ("PHONE_NUMBER", "+55 61 3312 4567"),
    ("PHONE_NUMBER", "(61)33124567"),
    ("EMAIL_ADDRESS", "joao.silva@economia.gov.br"),
    ("URL", "https://www.gov.br/economia/pt-br"),
    ("URL", "www.planalto.gov.br/ccivil_03/leis/l8112cons.htm"),
    ("URL", "sei.economia.gov.br"),
    ("IP_ADDRESS", "192.168.0.1"),
    ("IP_ADDRESS", "2001:db8::8a2e:370:7334"),
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "5555-5555-5555-4444"),
    ("DATE_TIME", "12/03/2024"),
    ("DATE_TIME", "12-03-2024"),
    ("DATE_TIME", "2024-03-12"),
    ("DATE_TIME", "12.03.2024"),
    ("DATE_TIME", "12 de março de 2024"),
    ("DATE_TIME", "1º de janeiro de 2025"),
    ("DATE_TIME", "março de 2024"),
    ("DATE_TIME", "14h30"),
    ("DATE_TIME", "14:30"),
    ("DATE_TIME", "12/03/2024 às 14h30"),
]


@pytest.mark.parametrize(("entity", "value"), FORMATTED)
def test_formatted_values_need_no_label(analyzer, entity, value):
    for text in (f"Segundo o documento anexado, {value} consta do cadastro.",
                 f"Informação prestada: {value}.",
                 f"({value})"):
        assert found(analyzer, text) == [(entity, value)], text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("CORREIÇÃO PARCIAL N° 3-23.2017.7.08.0008/PA", "3-23.2017.7.08.0008"),
        ("Autos n.º 0000001-15.2019.8.26.0100/50000", "0000001-15.2019.8.26.0100"),
        ("AgR-PC no0000001-15.2019.8.26.0100IDF 3", "0000001-15.2019.8.26.0100"),
        ("Correição Parcial n. 0000001-15.2019.8.26.0100-DF (", "0000001-15.2019.8.26.0100"),
    ],
)
def test_court_header_suffixes_and_ocr_glue(analyzer, text, value):
    assert found(analyzer, text) == [("BR_PROCESSO_CNJ", value)]


def test_glued_label_and_formatted_cpf(analyzer):
    assert found(analyzer, "CPF:529.982.247-25") == [("BR_CPF", "529.982.247-25")]
    assert found(analyzer, "CPF nº529.982.247-25/SP") == [("BR_CPF", "529.982.247-25")]


# --- bare values with a label -------------------------------------------------------------------------

LABELLED = [
    ("BR_CPF", "CPF nº", "52998224725"),
    ("BR_CPF", "inscrito no CPF/MF sob o nº", "52998224725"),
    ("BR_CPF", "CPF:", "529982247-25"),
    ("BR_CNPJ", "CNPJ", "11222333000181"),
    ("BR_CNPJ", "CNPJ", "12ABC34501DE35"),
    ("BR_PIS", "PIS/PASEP", "12054843999"),
    ("BR_PIS", "NIT", "12054843999"),
    ("BR_CNH", "CNH nº", "02650306461"),
    ("BR_CNH", "carteira nacional de habilitação registro", "62472927637"),
    ("BR_CNH", "CNH", "026503064-61"),
    ("BR_CNS", "Cartão Nacional de Saúde", "700000000000005"),
    ("BR_TITULO_ELEITOR", "título de eleitor", "004356870906"),
    ("BR_PROCESSO_CNJ", "Processo", "00000011520198260100"),
    ("BR_RG", "RG nº", "1.234.567"),
    ("BR_RG", "portador da cédula de identidade", "12345678"),
    ("BR_RG", "RG", "1234567-8"),
    ("BR_CEP", "CEP", "70040010"),
    ("BR_PLACA", "placa", "ABC 1234"),
    ("PHONE_NUMBER", "telefone", "3312-4567"),
    ("PHONE_NUMBER", "celular", "61991234567"),
    ("IP_ADDRESS", "endereço IP", "8.8.8.8"),
    ("CREDIT_CARD", "cartão de crédito", "4111111111111111"),
]


@pytest.mark.parametrize(("entity", "label", "value"), LABELLED)
def test_bare_values_with_a_label(analyzer, entity, label, value):
    text = f"O requerente, {label} {value}, compareceu."
    assert found(analyzer, text) == [(entity, value)]


def test_rg_sao_paulo_check_digit_raises_confidence(analyzer):
    scores = {text[r.start:r.end]: r.score for text in ["RG 24.678.131-2 e 24.678.131-4"]
              for r in analyzer.analyze(text, language="pt") if r.entity_type == "BR_RG"}
    # no national check digit: a failing SP digit may be another state's RG, so it is kept
    assert scores["24.678.131-2"] == 1.0
    assert 0.4 <= scores["24.678.131-4"] < 1.0


def test_cep_zero_prefix_is_not_a_cep(analyzer):
    assert found(analyzer, "CEP 00000-000 e CEP 00.123-456") == []


def test_rg_issuer_after_the_number_is_enough(analyzer):
    assert found(analyzer, "documento 1.234.567 SSP/DF apresentado") == [("BR_RG", "1.234.567")]


@pytest.mark.parametrize(
    "value",
    ["1.234.567", "12345678", "ABC 1234", "3312-4567", "8.8.8.8", "70040010", "4111111111111111"],
)
def test_weak_shapes_need_a_label(analyzer, value):
    assert found(analyzer, f"O total informado foi {value} na planilha.") == []


# --- ambiguous 11-digit values: the label decides --------------------------------------------------

CPF_PIS_CNH = "92244696200"  # valid as CPF, PIS and CNH at the same time


@pytest.mark.parametrize(
    ("label", "entity"),
    [("", "BR_CPF"), ("CPF", "BR_CPF"), ("PIS", "BR_PIS"), ("NIT nº", "BR_PIS"), ("CNH", "BR_CNH"),
     ("habilitação nº", "BR_CNH")],
)
def test_ambiguous_value_follows_its_label(analyzer, label, entity):
    assert ids.is_valid_cpf(CPF_PIS_CNH) and ids.is_valid_pis(CPF_PIS_CNH) and ids.is_valid_cnh(CPF_PIS_CNH)
    assert found(analyzer, f"Dados: {label} {CPF_PIS_CNH}.") == [(entity, CPF_PIS_CNH)]


def test_labels_in_a_list_apply_to_the_next_value_only(analyzer):
    text = f"CPF: 529.982.247-25; PIS: {CPF_PIS_CNH}; CNH: 42747278077; telefone 61991234567."
    assert found(analyzer, text) == [
        ("BR_CPF", "529.982.247-25"),
        ("BR_PIS", CPF_PIS_CNH),
        ("BR_CNH", "42747278077"),
        ("PHONE_NUMBER", "61991234567"),
    ]


def test_context_raises_the_score(analyzer):
    bare = [r for r in analyzer.analyze("valor 12054843999", language="pt", score_threshold=0.0)
            if r.entity_type == "BR_PIS"]
    labelled = [r for r in analyzer.analyze("PIS 12054843999", language="pt") if r.entity_type == "BR_PIS"]
    assert bare and bare[0].score < 0.4
    assert labelled and labelled[0].score >= 0.7


def test_request_context_words_count(analyzer):
    assert found(analyzer, "valor 12054843999") == []
    assert found(analyzer, "valor 12054843999", context=["PIS"]) == [("BR_PIS", "12054843999")]


def test_context_words_match_whole_words_only():
    # Presidio's default substring matching would let "nit" in "definitivo" boost a PIS
    recognizer = BrPisRecognizer()
    text = "registro definitivo 12054843999"
    [result] = recognizer.analyze(text, ["BR_PIS"])
    [enhanced] = recognizer.enhance_using_context(text, [result], [], None)
    assert enhanced.score < 0.4


# --- invalid check digits ---------------------------------------------------------------------------

INVALID = [
    ("CPF", "529.982.247-26"),
    ("CPF", "52998224726"),
    ("CPF", "111.111.111-11"),
    ("CNPJ", "11.222.333/0001-82"),
    ("CNPJ", "12.ABC.345/01DE-36"),
    ("CNPJ", "12ABC34501DE36"),
    ("PIS", "120.54843.99-8"),
    ("PIS", "12054843998"),
    ("CNH", "02650306462"),
    ("CNS", "123 4567 8901 0001"),
    ("CNS", "700000000000006"),
    ("título de eleitor", "0043 5687 0907"),
    ("título de eleitor", "004356870907"),
    ("processo", "0000001-45.2019.8.26.0100"),
    ("processo", "00000011620198260100"),
    ("cartão de crédito", "4111 1111 1111 1112"),
    ("telefone", "(20) 3312-4567"),
]


@pytest.mark.parametrize(("label", "value"), INVALID)
def test_invalid_check_digits_are_rejected(analyzer, label, value):
    text = f"Consta {label} {value} no cadastro."
    assert [entity for entity, matched in found(analyzer, text) if matched == value] == []


def test_random_numbers_with_bad_check_digits_are_not_identifiers(analyzer):
    rng = random.Random(2024)
    checks = {11: (ids.is_valid_cpf, ids.is_valid_pis, ids.is_valid_cnh), 14: (ids.is_valid_cnpj,),
              15: (ids.is_valid_cns,), 12: (ids.is_valid_titulo_eleitor,), 20: (ids.is_valid_processo_cnj,)}
    for _ in range(200):
        length = rng.choice(sorted(checks))
        value = "".join(rng.choice("0123456789") for _ in range(length))
        if any(check(value) for check in checks[length]):
            continue
        text = f"Protocolo {value} registrado."
        assert not types_of(analyzer, text) & (BR_TYPES - {"BR_RG", "BR_CEP"}), text


# --- negatives in legal text ------------------------------------------------------------------------

LEGAL_TEXT = (
    "Nos termos do art. 5º, inc. II, da Lei n. 8.112/90, c/c o CPC.art 489, fls. 23/25, p.ex. o "
    "item 1.2.3 e o subitem 4.1.2.3 do edital, o Decreto nº 10.046/2019 e a Portaria nº 1.234, "
    "o valor de R$ 1.234.567,89 (um milhão...), referente ao biênio 2023-2024, cf. art. 37, § 1º, "
    "incs. I a III, e Súmula 473/STF, versão 2.0.1 do sistema, ISO-9001 e CRM 1234, aprovados. "
    "Total: R$ 22.141.243.230,00; 1.234.567 habitantes; 10.046 km; 25,5% do orçamento de 2024; "
    "planta na escala 1:50; processo SEI nº 23000.012345/2024-11; Ofício nº 123/2024-GAB."
)


def test_legal_abbreviations_and_numbers_are_not_pii(analyzer):
    assert found(analyzer, LEGAL_TEXT) == []


@pytest.mark.parametrize("text", ["art.", "fls.", "inc.", "n.", "p.ex.", "Lei n. 8.112/90", "CPC.art", "arts.5º",
                                  "v.g.", "i.e.", "Id.", "cf.art.", "ob.cit."])
def test_no_url_in_abbreviations(analyzer, text):
    assert "URL" not in types_of(analyzer, f"Veja {text} adiante")


@pytest.mark.parametrize("text", ["12/03/2024", "12-03-2024", "2024-03-12", "12.03.2024"])
def test_dates_are_not_phones(analyzer, text):
    assert found(analyzer, f"telefone registrado em {text}") == [("DATE_TIME", text)]


@pytest.mark.parametrize("text", ["1.2.3", "1.2.3.4", "10.046", "256.1.1.1", "192.168.01.1"])
def test_no_ip_in_version_or_item_numbers(analyzer, text):
    assert "IP_ADDRESS" not in types_of(analyzer, f"conforme item {text} do anexo")


def test_times(analyzer):
    text = "audiência às 9:30, expediente das 8h às 18h, 14h30min e 14:30:00"
    assert found(analyzer, text) == [
        ("DATE_TIME", "9:30"), ("DATE_TIME", "8h"), ("DATE_TIME", "18h"), ("DATE_TIME", "14h30min"),
        ("DATE_TIME", "14:30:00"),
    ]


def test_impossible_dates_are_dropped(analyzer):
    assert found(analyzer, "em 31/02/2024 e 30 de fevereiro, 2023-02-29") == []


def test_lower_case_plate_and_cnpj_letters_are_not_matched(analyzer):
    assert found(analyzer, "placa abc-1234 e CNPJ 12.abc.345/01de-35") == []


def test_email_inside_url_and_domain_inside_email(analyzer):
    assert found(analyzer, "contato: maria@tjsp.jus.br") == [("EMAIL_ADDRESS", "maria@tjsp.jus.br")]
    text = "ver http://intranet.gov.br/pessoas?id=529.982.247-25 hoje"
    assert found(analyzer, text) == [("URL", "http://intranet.gov.br/pessoas?id=529.982.247-25")]


def test_works_offline(analyzer, monkeypatch):
    """EMAIL_ADDRESS and URL must not fetch the public suffix list (or anything else)."""

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    text = "Envie para ana@exemplo.com.br ou acesse https://exemplo.org/x e portal.gov.br"
    assert types_of(analyzer, text) == {"EMAIL_ADDRESS", "URL"}


# --- property: generated values in Portuguese sentences -----------------------------------------------

NEUTRAL_WORDS = (
    "o servidor público requereu a revisão do benefício conforme despacho da coordenação em anexo "
    "após análise técnica foi deferido pedido pela secretaria municipal com base no parecer jurídico "
    "interessado informou que não houve manifestação prazo encerrado ficou determinado arquivamento"
).split()

ENDINGS = ("", ".", ",", ";", ")", " e", ". Nada mais.")


def _value(kind: str, rng: random.Random, formatted: bool) -> tuple[str, str, str]:
    """(entity, label, value) for a generated valid identifier."""
    if kind == "cpf":
        return "BR_CPF", rng.choice(["CPF", "CPF nº", "inscrito no CPF sob o nº"]), ids.generate_cpf(rng, formatted)
    if kind == "cnpj":
        return "BR_CNPJ", rng.choice(["CNPJ", "CNPJ nº", "inscrita no CNPJ sob o nº"]), ids.generate_cnpj(rng, formatted)
    if kind == "pis":
        return "BR_PIS", rng.choice(["PIS", "PIS/PASEP", "NIT", "NIS nº"]), ids.generate_pis(rng, formatted)
    if kind == "cnh":
        return "BR_CNH", rng.choice(["CNH", "CNH nº", "carteira nacional de habilitação"]), ids.generate_cnh(rng)
    if kind == "cns":
        return "BR_CNS", rng.choice(["CNS", "cartão SUS", "Cartão Nacional de Saúde nº"]), ids.generate_cns(rng, formatted)
    if kind == "titulo":
        label = rng.choice(["título de eleitor", "título eleitoral nº", "inscrição eleitoral"])
        return "BR_TITULO_ELEITOR", label, ids.generate_titulo_eleitor(rng, formatted)
    if kind == "cnj":
        return "BR_PROCESSO_CNJ", rng.choice(["processo", "autos nº", "Processo nº"]), ids.generate_processo_cnj(rng, formatted)
    if kind == "rg":
        label = rng.choice(["RG", "RG nº", "carteira de identidade", "cédula de identidade nº"])
        return "BR_RG", label, ids.generate_rg(rng, formatted)
    if kind == "cep":
        return "BR_CEP", rng.choice(["CEP", "CEP:"]), ids.generate_cep(rng, formatted)
    if kind == "placa":
        return "BR_PLACA", rng.choice(["placa", "veículo de placa"]), ids.generate_placa(rng, formatted)
    if kind == "phone":
        return "PHONE_NUMBER", rng.choice(["telefone", "tel.", "celular/WhatsApp"]), ids.generate_phone(rng, formatted)
    if kind == "card":
        return "CREDIT_CARD", rng.choice(["cartão de crédito", "cartão nº"]), ids.generate_credit_card(rng, formatted)
    raise AssertionError(kind)


KINDS = ("cpf", "cnpj", "pis", "cnh", "cns", "titulo", "cnj", "rg", "cep", "placa", "phone", "card")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(KINDS),
    seed=st.integers(0, 2**32),
    formatted=st.booleans(),
    prefix=st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=8),
    suffix=st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=8),
    ending=st.sampled_from(ENDINGS),
    capitalize=st.booleans(),
)
def test_generated_values_in_sentences_are_found_exactly(analyzer, kind, seed, formatted, prefix, suffix, ending,
                                                         capitalize):
    entity, label, value = _value(kind, random.Random(seed), formatted)
    if capitalize:
        label = label.upper()
    head = " ".join([*prefix, label]) + " "
    text = head + value + ending + (" " + " ".join(suffix) if suffix else "")
    start, end = len(head), len(head) + len(value)
    results = resolve_overlaps(analyzer.analyze(text, language="pt"))
    overlapping = [(r.entity_type, r.start, r.end) for r in results if r.start < end and r.end > start]
    assert overlapping == [(entity, start, end)], text


def test_a_regex_timeout_fails_the_analysis_instead_of_skipping_the_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.anonymizer.recognizers import base
    from shared.errors import ServiceUnavailable

    monkeypatch.setattr(base, "REGEX_TIMEOUT_SECONDS", 1e-9)
    text = "CPF 529.982.247-25 " * 20_000
    with pytest.raises(ServiceUnavailable, match="timed out"):
        BrCpfRecognizer().analyze(text, ["BR_CPF"])
