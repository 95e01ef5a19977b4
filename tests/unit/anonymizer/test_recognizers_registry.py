"""The recognizer registry (recognizers/registry.py): class constants are the defaults, the YAML only
overrides them, a bad YAML is a clear start-up error, and the API's entity types are the registry's."""

from __future__ import annotations

import typing
from dataclasses import replace
from pathlib import Path

import pytest

from services.anonymizer import engine, protocol
from services.anonymizer.nlp import NER_LABELS, build_nlp_engine
from services.anonymizer.operators import normalize_value, placeholder_name
from services.anonymizer.recognizers import (
    DEFAULT_CONFIG_PATH,
    RECOGNIZER_CLASSES,
    BrCpfRecognizer,
    BrPisRecognizer,
    BrRgRecognizer,
    RecognizerConfigError,
    build_recognizers,
    code_entities,
    supported_entities,
)
from services.anonymizer.recognizers.base import PatternSpec


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recognizers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def only(recognizers, cls):  # type: ignore[no-untyped-def]
    [recognizer] = [r for r in recognizers if type(r) is cls]
    return recognizer


# --- the shipped configuration --------------------------------------------------------------------


def test_shipped_configuration_loads_every_recognizer_with_its_class_defaults():
    recognizers = build_recognizers()
    assert [type(r).__name__ for r in recognizers] == list(dict.fromkeys(type(r).__name__ for r in recognizers))
    assert {type(r) for r in recognizers} == set(RECOGNIZER_CLASSES.values())
    for recognizer in recognizers:
        cls = type(recognizer)
        assert recognizer.supported_entities == [cls.ENTITY]
        assert recognizer.supported_language == cls.SUPPORTED_LANGUAGE == "pt"
        assert recognizer.context == list(cls.CONTEXT)
        assert recognizer.suffix_context == list(cls.SUFFIX_CONTEXT)
        assert all(w == w.lower() for w in recognizer.context + recognizer.suffix_context)
        assert recognizer.specs == cls.PATTERNS
        assert recognizer.score_thresholds == {"default": cls.SCORE_THRESHOLD}
        assert recognizer.context_settings == cls.CONTEXT_SETTINGS


def test_identifier_recognizers_have_context_words():
    for cls in RECOGNIZER_CLASSES.values():
        if cls.CODE:
            assert cls.CONTEXT, cls.__name__


def test_default_config_path_is_the_shipped_yaml():
    assert DEFAULT_CONFIG_PATH == Path(__file__).resolve().parents[3] / "services/anonymizer/recognizers.yaml"


# --- class constants are the defaults -------------------------------------------------------------


@pytest.mark.parametrize(
    ("constant", "value", "attribute", "expected"),
    [
        ("CONTEXT", ("contribuinte",), "context", ["contribuinte"]),
        ("SUFFIX_CONTEXT", ("receita",), "suffix_context", ["receita"]),
        ("SCORE_THRESHOLD", 0.55, "score_thresholds", {"default": 0.55}),
        ("SUPPORTED_LANGUAGE", "es", "supported_language", "es"),
        ("CONTEXT_SETTINGS", replace(BrCpfRecognizer.CONTEXT_SETTINGS, boost=0.2, prefix_words=2),
         "context_settings", replace(BrCpfRecognizer.CONTEXT_SETTINGS, boost=0.2, prefix_words=2)),
    ],
)
def test_a_class_constant_takes_effect_without_a_yaml_override(monkeypatch, constant, value, attribute, expected):
    monkeypatch.setattr(BrCpfRecognizer, constant, value)
    cpf = only(build_recognizers(), BrCpfRecognizer)
    assert getattr(cpf, attribute) == expected


def test_a_pattern_score_in_the_class_takes_effect(monkeypatch):
    patterns = tuple(replace(p, score=0.25) if p.name == "cpf_bare" else p for p in BrCpfRecognizer.PATTERNS)
    monkeypatch.setattr(BrCpfRecognizer, "PATTERNS", patterns)
    cpf = only(build_recognizers(), BrCpfRecognizer)
    assert {p.name: p.score for p in cpf.patterns}["cpf_bare"] == 0.25


def test_context_words_in_the_class_change_what_is_found(monkeypatch):
    text = "Contribuinte 52998224725"
    cpf = only(build_recognizers(), BrCpfRecognizer)
    [hit] = cpf.enhance_using_context(text, cpf.analyze(text, ["BR_CPF"]), [], None)
    assert hit.score == 0.5  # a bare valid CPF, no label
    monkeypatch.setattr(BrCpfRecognizer, "CONTEXT", ("contribuinte",))
    cpf = only(build_recognizers(), BrCpfRecognizer)
    [hit] = cpf.enhance_using_context(text, cpf.analyze(text, ["BR_CPF"]), [], None)
    assert hit.score > 0.9


# --- the YAML overrides ---------------------------------------------------------------------------


def test_yaml_overrides_win_over_the_class(tmp_path, monkeypatch):
    monkeypatch.setattr(BrCpfRecognizer, "SCORE_THRESHOLD", 0.3)
    path = write(
        tmp_path,
        "supported_language: es\n"
        "defaults: {score_threshold: 0.5, context: {boost: 0.2}}\n"
        "recognizers:\n"
        "  - class: BrCpfRecognizer\n"
        "    context: [Contribuinte]\n"
        "    scores: {cpf_bare: 0.2}\n"
        "    score_threshold: 0.6\n"
        "    name: Cpf\n"
        "  - class: BrPisRecognizer\n"
        "    enabled: false\n"
        "  - class: BrRgRecognizer\n"
        "    suffix_context: [SSP]\n",
    )
    cpf, rg = build_recognizers(path)
    assert isinstance(cpf, BrCpfRecognizer) and isinstance(rg, BrRgRecognizer)
    assert cpf.name == "Cpf" and rg.name == "BrRgRecognizer"
    assert cpf.supported_language == rg.supported_language == "es"
    assert cpf.context == ["contribuinte"]
    assert {p.name: p.score for p in cpf.patterns}["cpf_bare"] == 0.2
    assert cpf.score_thresholds == {"default": 0.6}  # the entry wins over defaults and the class
    assert rg.score_thresholds == {"default": 0.5}  # defaults win over the class
    # defaults.context sets only the fields it names; the others keep the class's values
    assert cpf.context_settings == replace(BrCpfRecognizer.CONTEXT_SETTINGS, boost=0.2)
    assert rg.suffix_context == ["ssp"]
    assert rg.context == list(BrRgRecognizer.CONTEXT)  # not overridden: the class's


def test_a_bare_class_name_is_an_entry_with_the_class_defaults(tmp_path):
    [pis] = build_recognizers(write(tmp_path, "recognizers: [BrPisRecognizer]\n"))
    assert isinstance(pis, BrPisRecognizer)
    assert pis.context == list(BrPisRecognizer.CONTEXT)
    assert pis.score_thresholds == {"default": BrPisRecognizer.SCORE_THRESHOLD}


def test_a_class_listed_twice_needs_another_name(tmp_path):
    with pytest.raises(RecognizerConfigError, match=r"recognizers\[1\].*already configured.*another 'name'"):
        build_recognizers(write(tmp_path, "recognizers: [BrPisRecognizer, BrPisRecognizer]\n"))
    path = write(tmp_path, "recognizers:\n  - BrPisRecognizer\n  - {class: BrPisRecognizer, name: Nit, context: [nit]}\n")
    assert [r.name for r in build_recognizers(path)] == ["BrPisRecognizer", "Nit"]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("recognizers: [class: BrCpfRecognizer", "not valid YAML"),
        ("recognizers:\n  - class: NoSuchRecognizer\n", "recognizers[0]: unknown recognizer class 'NoSuchRecognizer'"),
        ("recognizers: [NoSuchRecognizer]\n", "unknown recognizer class 'NoSuchRecognizer'"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    colour: blue\n", "recognizers[0] (BrCpfRecognizer): unknown key(s) ['colour']"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    contexts: [cpf]\n", "unknown key(s) ['contexts']"),
        ("colour: blue\nrecognizers: [BrCpfRecognizer]\n", "unknown key(s) ['colour']"),
        ("defaults: {threshold: 0.5}\nrecognizers: [BrCpfRecognizer]\n", "defaults: unknown key(s) ['threshold']"),
        ("defaults: {context: {bost: 0.5}}\nrecognizers: [BrCpfRecognizer]\n",
         "defaults.context: unknown key(s) ['bost']"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    scores: {nope: 0.5}\n",
         "recognizers[0] (BrCpfRecognizer): BrCpfRecognizer: unknown pattern name(s) ['nope']"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    scores: {cpf_bare: 7}\n", "must be in (0, 1]"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    scores: [1]\n", "scores: expected a mapping"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    enabled: maybe\n", "enabled: expected true or false"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    context: cpf\n", ".context: expected a list of non-empty strings"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    score_threshold: 2\n", ".score_threshold: expected a number"),
        ("recognizers:\n  - class: BrCpfRecognizer\n    name: 3\n", ".name: expected a non-empty string"),
        ("supported_language: ''\nrecognizers: [BrCpfRecognizer]\n", "supported_language must be"),
        ("recognizers: []\n", "non-empty list"),
        ("recognizers: [3]\n", "recognizers[0]: expected a mapping"),
        ("- just a list\n", "expected a mapping"),
        ("", "expected a mapping, got NoneType"),
        ("defaults: {context: {boost: 2}}\nrecognizers:\n  - class: BrCpfRecognizer\n", "between 0 and 1"),
        ("defaults: {context: {prefix_words: -1}}\nrecognizers: [BrCpfRecognizer]\n", "non-negative integer"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path, yaml_text, message):
    path = write(tmp_path, yaml_text)
    with pytest.raises(RecognizerConfigError) as caught:
        build_recognizers(path)
    assert message in str(caught.value)
    assert str(caught.value).count(str(path)) == 1  # names the file, once
    assert caught.value.__cause__ is None and isinstance(caught.value, ValueError)


def test_a_disabled_entry_is_still_checked(tmp_path):
    with pytest.raises(RecognizerConfigError, match="unknown pattern name"):
        build_recognizers(write(tmp_path, "recognizers:\n  - {class: BrCpfRecognizer, enabled: false, scores: {x: 1}}\n"))


def test_missing_configuration_file(tmp_path):
    with pytest.raises(RecognizerConfigError, match="cannot read"):
        build_recognizers(tmp_path / "absent.yaml")


def test_the_analyzer_checks_its_configuration_before_loading_the_model(tmp_path):
    bad = write(tmp_path, "recognizers:\n  - class: BrCpfRecognizer\n    colour: blue\n")
    with pytest.raises(RecognizerConfigError, match=r"unknown key\(s\) \['colour'\]"):
        engine.PiiAnalyzer(model_path=tmp_path / "no-model-here", recognizers_config=bad)


def test_a_deployment_yaml_chooses_the_loaded_entities(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "build_nlp_engine", lambda _path: build_nlp_engine(None))
    path = write(tmp_path, "recognizers:\n  - BrCpfRecognizer\n  - {class: BrPisRecognizer, enabled: false}\n")
    analyzer = engine.PiiAnalyzer(recognizers_config=path)
    assert analyzer.supported_entities == sorted({"BR_CPF", *NER_LABELS})


# --- entity types come from the registry ----------------------------------------------------------


def test_supported_entities_are_the_ner_labels_and_each_class_entity():
    entities = supported_entities()
    assert len(entities) == len(set(entities))
    assert set(entities) == set(NER_LABELS) | {cls.ENTITY for cls in RECOGNIZER_CLASSES.values()}
    assert "DATE_TIME" in entities and "BR_MATRICULA" in entities


def test_shipped_configuration_loads_every_supported_entity():
    loaded = {e for r in build_recognizers() for e in r.supported_entities} | set(NER_LABELS)
    assert loaded == set(supported_entities())


def test_protocol_entity_types_are_the_registry_entities():
    assert typing.get_args(protocol.EntityType) == supported_entities()
    [keys, _operator] = typing.get_args(protocol.OperatorMap)
    assert set(typing.get_args(keys)) == {*supported_entities(), "DEFAULT"}
    for model in (protocol.AnalyzeRequest, protocol.AnalyzeBatchRequest, protocol.AnonymizeRequest,
                  protocol.AnonymizeBatchRequest):
        schema = model.model_json_schema()
        [items] = [option for option in schema["properties"]["entities"]["anyOf"] if option.get("type") == "array"]
        assert items["items"]["enum"] == list(supported_entities()), model.__name__


def test_protocol_rejects_an_unknown_entity_by_listing_the_registry_entities():
    with pytest.raises(ValueError) as caught:
        protocol.AnalyzeRequest(text="x", entities=["BR_NOPE"])
    expected = ", ".join(repr(e) for e in supported_entities()[:-1]) + f" or {supported_entities()[-1]!r}"
    assert f"Input should be {expected}" in str(caught.value)
    assert protocol.AnalyzeRequest(text="x", entities=list(supported_entities())).entities == list(supported_entities())


def test_a_new_recognizer_class_extends_the_entity_types(monkeypatch):
    class BrNisRecognizer(BrPisRecognizer):
        ENTITY = "BR_NIS"
        PATTERNS = (PatternSpec("nis", r"\d{11}", 0.5),)

    monkeypatch.setitem(RECOGNIZER_CLASSES, "BrNisRecognizer", BrNisRecognizer)
    assert supported_entities()[-1] == "BR_NIS"
    assert "BR_NIS" in code_entities()


def test_operators_follow_the_registry():
    names = [placeholder_name(e) for e in supported_entities()]
    assert len(names) == len(set(names))  # one counter per type
    assert all(name.isascii() and name.replace("_", "").isalnum() and name.isupper() for name in names)
    for entity in supported_entities():
        code = entity in code_entities()
        assert (normalize_value(entity, "ab.12-3") == "AB123") is code, entity
    assert {"BR_CPF", "PHONE_NUMBER", "CREDIT_CARD"} <= code_entities()
    assert not {"PERSON", "EMAIL_ADDRESS", "DATE_TIME", "URL"} & code_entities()
