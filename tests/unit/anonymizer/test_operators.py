from __future__ import annotations

import pytest

from services.anonymizer.crypto import OperatorKeys, load_master_key
from services.anonymizer.documents import collect_strings, rebuild
from services.anonymizer.detections import Detection, propagate_detections
from services.anonymizer.operators import RequestState, anonymize_text, normalize_value, restore_text
from services.anonymizer.protocol import (EncryptOperator, HashOperator, MaskOperator, PseudonymizeOperator,
                                          RedactOperator)
from services.anonymizer.public_bodies import is_public_body
from shared.errors import PayloadTooLarge, Unprocessable

KEYS = OperatorKeys.from_master(b"m" * 40)
TEXT = "João Silva (CPF 529.982.247-25) e JOÃO  SILVA; CPF 52998224725."


def _dets(text: str, *spans: tuple[str, str]) -> list[Detection]:
    out, cursor = [], 0
    for etype, value in spans:
        start = text.index(value, cursor)
        out.append(Detection(etype, start, start + len(value), 0.9))
        cursor = start + len(value)
    return out


DETS = _dets(TEXT, ("PERSON", "João Silva"), ("BR_CPF", "529.982.247-25"), ("PERSON", "JOÃO  SILVA"),
             ("BR_CPF", "52998224725"))


def test_placeholders_are_numbered_and_consistent() -> None:
    out, reps = anonymize_text(TEXT, DETS, None, RequestState(KEYS))
    assert out == "<PESSOA_1> (CPF <CPF_1>) e <PESSOA_1>; CPF <CPF_1>."
    assert [out[r.output_start:r.output_end] for r in reps] == ["<PESSOA_1>", "<CPF_1>", "<PESSOA_1>", "<CPF_1>"]


def test_state_spans_several_strings() -> None:
    state = RequestState(KEYS)
    a, _ = anonymize_text("Ana Lima", _dets("Ana Lima", ("PERSON", "Ana Lima")), None, state)
    b, _ = anonymize_text("Rui e Ana Lima", _dets("Rui e Ana Lima", ("PERSON", "Rui"), ("PERSON", "Ana Lima")),
                          None, state)
    assert (a, b) == ("<PESSOA_1>", "<PESSOA_2> e <PESSOA_1>")


@pytest.mark.parametrize("op,expected", [
    (MaskOperator(type="mask"), "**********"),
    (MaskOperator(type="mask", chars_to_mask=4), "**** Silva"),
    (MaskOperator(type="mask", chars_to_mask=5, from_end=True, masking_char="#"), "João #####"),
    (RedactOperator(type="redact"), ""),
])
def test_mask_and_redact(op, expected) -> None:  # type: ignore[no-untyped-def]
    out, _ = anonymize_text("João Silva", _dets("João Silva", ("PERSON", "João Silva")), {"PERSON": op},
                            RequestState(KEYS))
    assert out == expected


def test_hash_is_keyed_and_normalized() -> None:
    ops = {"DEFAULT": HashOperator(type="hash")}
    out, _ = anonymize_text(TEXT, DETS, ops, RequestState(KEYS))
    hashes = out.replace("(", " ").replace(")", " ").replace(";", " ").replace(".", " ").split()
    cpf_hashes = [h for h in hashes if len(h) == 32]
    assert len(cpf_hashes) == 4 and cpf_hashes[1] == cpf_hashes[3] and cpf_hashes[0] == cpf_hashes[2]
    other, _ = anonymize_text(TEXT, DETS, ops, RequestState(OperatorKeys.from_master(b"x" * 40)))
    assert other != out


def test_encrypt_restores_exactly() -> None:
    state = RequestState(KEYS)
    out, _ = anonymize_text(TEXT, DETS, {"DEFAULT": EncryptOperator(type="encrypt")}, state)
    assert "529.982.247-25" not in out and "Silva" not in out
    assert restore_text(out, {}, KEYS) == (TEXT, 4)


def test_pseudonymize_restores_the_first_spelling_of_each_value() -> None:
    state = RequestState(KEYS)
    out, _ = anonymize_text(TEXT, DETS, {"DEFAULT": PseudonymizeOperator(type="pseudonymize")}, state)
    assert out == "<PESSOA_1> (CPF <CPF_1>) e <PESSOA_1>; CPF <CPF_1>."
    assert state.vault_mapping == {"<PESSOA_1>": "João Silva", "<CPF_1>": "529.982.247-25"}
    restored, n = restore_text(out, state.vault_mapping, KEYS)
    assert restored == "João Silva (CPF 529.982.247-25) e João Silva; CPF 529.982.247-25." and n == 4


def test_tampered_or_foreign_ciphertext_is_left_alone() -> None:
    state = RequestState(KEYS)
    out, _ = anonymize_text(TEXT, DETS, {"DEFAULT": EncryptOperator(type="encrypt")}, state)
    foreign = OperatorKeys.from_master(b"z" * 40)
    restored, n = restore_text(out, {}, foreign)
    assert n == 0 and restored == out


def test_normalize_value() -> None:
    assert normalize_value("BR_CPF", "529.982.247-25") == normalize_value("BR_CPF", "52998224725")
    assert normalize_value("PERSON", "JOÃO  Silva") == normalize_value("PERSON", "joão silva")


def test_propagation_marks_repeats_across_strings() -> None:
    texts = ["Requerente: MARIA SOUZA", "A requerente Maria Souza e a Sra. Mariana Souzaa"]
    dets = [_dets(texts[0], ("PERSON", "MARIA SOUZA")), []]
    out = propagate_detections(texts, dets)
    assert [(d.type, texts[1][d.start:d.end]) for d in out[1]] == [("PERSON", "Maria Souza")]


def test_documents_walk_and_rebuild() -> None:
    doc = {"id": 7, "texto": "a", "lista": ["b", {"x/y": "c", "n": 12345678909, "f": 5.2998224725e10, "ok": True}]}
    strings = collect_strings(doc, 100, 10)
    assert strings == [("/id~key", "id"), ("/id", "7"), ("/texto~key", "texto"), ("/texto", "a"),
                       ("/lista~key", "lista"), ("/lista/0", "b"), ("/lista/1/x~1y~key", "x/y"), ("/lista/1/x~1y", "c"),
                       ("/lista/1/n~key", "n"), ("/lista/1/n", "12345678909"), ("/lista/1/f~key", "f"),
                       ("/lista/1/f", "52998224725"), ("/lista/1/ok~key", "ok")]
    assert rebuild(doc, lambda p, v: v.upper() if isinstance(v, str) else v) == \
        {"ID": 7, "TEXTO": "A", "LISTA": ["B", {"X/Y": "C", "N": 12345678909, "F": 5.2998224725e10, "OK": True}]}
    # keys that become the same text are kept apart
    assert rebuild({"Maria": 1, "MARIA": 2}, lambda p, v: "<P>" if p.endswith("~key") else v) == \
        {"<P>": 1, "<P> (2)": 2}
    with pytest.raises(PayloadTooLarge):
        collect_strings({"a": ["x"] * 11}, 10, 10)
    with pytest.raises(Unprocessable):
        collect_strings({"a": {"b": {"c": "x"}}}, 10, 2)


@pytest.mark.parametrize("name,public", [
    ("Tribunal de Contas da União", True), ("Supremo Tribunal Federal", True), ("STF", True),
    ("TRF 3ª Região", True), ("Ministério da Saúde", True), ("Prefeitura Municipal de Campinas", True),
    ("INSS", True), ("Universidade Federal de Minas Gerais", True), ("Secretaria de Estado da Fazenda", True),
    ("Construtora Horizonte Ltda", False), ("Padaria Pão Quente ME", False), ("Silva & Souza Advogados", False),
])
def test_public_bodies(name: str, public: bool) -> None:
    assert is_public_body(name) is public


def test_master_key_file_is_created_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = load_master_key(None, tmp_path)
    assert load_master_key(None, tmp_path) == first
    assert (tmp_path / "anonymizer.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError):
        load_master_key("short", tmp_path)
