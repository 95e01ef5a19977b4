"""The streaming parts of the Files API: JSON arrays read in small chunks, CSV mapping, line reports."""

from __future__ import annotations

import io
import json

import pytest

import shared.files as files
from shared.errors import Unprocessable
from shared.files import CheckReport, CsvMapping, _csv_records, _iter_json_array, _jsonl_items
from shared.records import RecordsError


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1024 * 1024])
def test_a_json_array_is_read_item_by_item_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(files, "_CHUNK", chunk)
    items = [{"user_prompt": 'a [tricky], {string} "quoted" ç', "id": "1"}, {"user_prompt": {"k": [1, 2, {"x": "]"}]}},
             "not a record", 3.5, {"user_prompt": ""}]
    text = " \n[ " + " ,\n ".join(json.dumps(i, ensure_ascii=False) for i in items) + " ]\n"
    parsed = list(_iter_json_array(io.StringIO(text)))
    assert parsed == list(enumerate(items))


@pytest.mark.parametrize("bad", ["", "{}", "[1, 2", "[1 2]", "[{\"a\": 1},]", "[{\"a\": }]"])
def test_a_broken_json_array_is_an_error_naming_the_item(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setattr(files, "_CHUNK", 2)
    with pytest.raises(RecordsError):
        list(_iter_json_array(io.StringIO(bad)))


def test_jsonl_reports_bad_lines_by_number_and_skips_blank_ones() -> None:
    text = '{"user_prompt": "a"}\n\n{oops\n{"user_prompt": "b"}\n'
    assert [(n, v is None) for n, v in _jsonl_items(io.StringIO(text))] == [(1, False), (3, True), (4, False)]


def test_csv_columns_become_seed_records() -> None:
    text = 'id,texto,nivel,extra\nA,"um, dois",ALTA,x\nB,,BAIXA,y\n'
    mapping = CsvMapping(text_column="texto", id_column="id", label_columns=["nivel"])
    rows = list(_csv_records(io.StringIO(text, newline=""), mapping))
    assert rows == [(2, {"user_prompt": "um, dois", "id": "A", "teacher_output": {"nivel": "ALTA"}}), (3, None)]
    with pytest.raises(Unprocessable, match="corpo"):
        list(_csv_records(io.StringIO(text), CsvMapping(text_column="corpo")))


def test_the_report_lists_a_bounded_number_of_lines() -> None:
    report = CheckReport()
    for n in range(1, 80):
        report.bad(n)
    problem = report.problem("line")
    assert problem is not None and "79 line(s)" in problem and "(and 29 more)" in problem
    assert report.bad_lines == list(range(1, 51))
