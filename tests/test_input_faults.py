"""Every read fault is contained: one error record naming the file or record, the good
records before and after it kept, and the later inputs still read (issue 13, "Every fault
contained"). These tests drive the readers alone; test_input_faults_cli.py runs the
command on the faults that used to abort it."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flashpoint.readers import ColumnMapping, read_inputs

GOOD_BEFORE = {"id": "before", "text": "Gunmen attacked a police post near Gao on Sunday."}
GOOD_AFTER = {"id": "after", "text": "Police arrested three men in Kano on Friday."}
LATER = {"id": "later", "text": "Protesters marched in Bamako on Monday."}


def _line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _around(path: Path, bad: bytes) -> Path:
    """A JSONL file: a good record, the bad line, a good record."""
    path.write_bytes(_line(GOOD_BEFORE) + bad + b"\n" + _line(GOOD_AFTER))
    return path


def _later(folder: Path) -> Path:
    path = folder / "later.jsonl"
    path.write_bytes(_line(LATER))
    return path


def _outcome(paths: list[Path], columns: ColumnMapping | None = None) -> list[tuple[str, str | None]]:
    return [(r.id, r.error) for r in read_inputs(paths, columns)]


def _assert_contained(outcome: list[tuple[str, str | None]], bad_id: str, *reason: str) -> None:
    ids = [record_id for record_id, _ in outcome]
    assert ids == ["before", bad_id, "after", "later"], outcome
    assert outcome[0][1] is None and outcome[2][1] is None and outcome[3][1] is None
    for part in reason:
        assert part in outcome[1][1], outcome[1][1]


# -- single records of JSONL ------------------------------------------------------------------
def test_lone_surrogate_in_an_id_is_named_and_the_record_gets_its_line_as_id(tmp_path):
    bad = _around(tmp_path / "s.jsonl", b'{"id": "a\\ud800b", "text": "Shelling hit Donetsk."}')
    outcome = _outcome([bad, _later(tmp_path)])
    _assert_contained(outcome, "s.jsonl:2", "s.jsonl:2", "field 'id' is not valid Unicode", "unpaired surrogate")
    json.dumps(outcome, ensure_ascii=False).encode("utf-8")  # every id and message can be written


def test_lone_surrogate_in_a_text_is_an_error_of_that_record(tmp_path):
    bad = _around(tmp_path / "t.jsonl", b'{"id": "x", "text": "Shelling \\udc00 hit Donetsk."}')
    _assert_contained(_outcome([bad, _later(tmp_path)]), "x", "text is not valid Unicode")


def test_deeply_nested_json_is_invalid_json_not_a_crash(tmp_path):
    bad = _around(tmp_path / "n.jsonl", b"[" * 100_000 + b"]" * 100_000)
    _assert_contained(_outcome([bad, _later(tmp_path)]), "n.jsonl:2", "n.jsonl:2: invalid JSON (nested too deeply)")


def test_a_5000_digit_id_is_an_error_and_a_long_numeric_id_is_kept_exactly(tmp_path):
    huge = _around(tmp_path / "d.jsonl", b'{"id": ' + b"7" * 5000 + b', "text": "Troops shelled a village."}')
    _assert_contained(_outcome([huge, _later(tmp_path)]), "d.jsonl:2", "field 'id' has 5000 characters, over the limit")
    digits = "12345678901234567890" * 10  # past any machine integer, within the id limit: its digits as written
    long = _around(tmp_path / "e.jsonl", b'{"id": ' + digits.encode() + b', "text": "Troops shelled a village."}')
    assert _outcome([long]) == [("before", None), (digits, None), ("after", None)]


@pytest.mark.parametrize(("value", "kind"), [("null", "null"), ("[1]", "an array"), ('{"a": 1}', "an object"),
                                             ("true", "a boolean"), ("1.5", "a number")])
def test_ids_that_are_not_strings_are_named_as_such(tmp_path, value, kind):
    bad = _around(tmp_path / "k.jsonl", b'{"id": ' + value.encode() + b', "text": "Troops shelled a village."}')
    _assert_contained(_outcome([bad, _later(tmp_path)]), "k.jsonl:2", f"field 'id' is {kind}, not a string")


def test_a_missing_id_is_still_called_missing(tmp_path):
    bad = _around(tmp_path / "m.jsonl", b'{"text": "Troops shelled a village."}')
    _assert_contained(_outcome([bad, _later(tmp_path)]), "m.jsonl:2", "field 'id' is missing")


def test_a_bom_does_not_lose_the_first_jsonl_record(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _line(GOOD_BEFORE) + _line(GOOD_AFTER))
    assert _outcome([path]) == [("before", None), ("after", None)]


def test_duplicate_ids_are_warned_about(tmp_path, caplog):
    first = tmp_path / "one.jsonl"
    first.write_bytes(_line(GOOD_BEFORE) + _line(GOOD_AFTER))
    second = tmp_path / "two.jsonl"
    second.write_bytes(_line({**LATER, "id": "before"}))
    with caplog.at_level(logging.WARNING, logger="flashpoint.readers"):
        outcome = _outcome([first, second])
    assert outcome == [("before", None), ("after", None), ("before", None)]  # kept, and said
    assert any("two.jsonl" in m and "'before'" in m and "earlier record" in m for m in caplog.messages)
    assert "1 record(s) reuse an id of an earlier record" in caplog.messages


# -- compressed files ---------------------------------------------------------------------------
def test_truncated_jsonl_gz_reports_the_missing_records_and_later_inputs_are_read(tmp_path):
    whole = gzip.compress(b"".join(_line({"id": f"r{i}", "text": f"Troops shelled village number {i}."})
                                   for i in range(2000)))
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    records = list(read_inputs([truncated, _later(tmp_path)]))
    good = [r.id for r in records if r.error is None]
    assert good[: 3] == ["r0", "r1", "r2"] and good[-1] == "later"
    assert 0 < len(good) - 1 < 2000
    failures = [r for r in records if r.error is not None]
    assert len(failures) == 1
    assert "cut.jsonl.gz" in failures[0].error and "truncated" in failures[0].error
    assert f"after line {len(good) - 1}" in failures[0].error and "missing" in failures[0].error


@pytest.mark.parametrize("content", [b"plain text, not gzip\n", b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage" * 20],
                         ids=["not-gzip", "corrupt-gzip"])
def test_corrupt_or_non_gzip_file_is_one_error_and_later_inputs_are_read(tmp_path, content):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(content)
    outcome = _outcome([bad, _later(tmp_path)])
    assert [record_id for record_id, _ in outcome] == ["bad.jsonl.gz:1", "later"]
    assert "bad.jsonl.gz" in outcome[0][1] and ("gzip" in outcome[0][1] or "compressed" in outcome[0][1])
    assert "before its first line" in outcome[0][1]


# -- CSV ----------------------------------------------------------------------------------------
def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def test_invalid_utf8_in_a_csv_costs_only_its_row(tmp_path):
    rows = [["id", "text"]] + [[f"r{i}", f"Troops shelled village number {i}."] for i in range(300)]
    data = _csv_bytes(rows).replace(b"village number 150.", b"village caf\xe9 150.")
    path = tmp_path / "latin.csv"
    path.write_bytes(data)
    records = list(read_inputs([path]))
    assert [r.id for r in records] == [f"r{i}" if i != 150 else "latin.csv:152" for i in range(300)]
    assert [r.id for r in records if r.error] == ["latin.csv:152"]
    assert "latin.csv:152: not valid UTF-8 (byte 0xe9 in column 'text')" in records[150].error


def test_an_unclosed_quote_does_not_merge_rows(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_bytes(b'id,text\nr1,Gunmen attacked a post.\nr2,"Police arrested three men.\nr3,Rebels shelled a town.\n'
                     b'r4,"Troops ""clashed"" with militants."\n')
    outcome = _outcome([path])
    assert [record_id for record_id, _ in outcome] == ["r1", "quote.csv:3", "r3", "r4"]
    assert "row cannot be parsed" in outcome[1][1] and "quote" in outcome[1][1]
    records = list(read_inputs([path]))
    assert records[2].text == "Rebels shelled a town." and records[3].text == 'Troops "clashed" with militants.'


def test_a_quote_closed_in_a_later_row_is_caught_and_the_rows_read_again(tmp_path):
    path = tmp_path / "quote2.csv"
    path.write_bytes(b'id,text\nr1,"Gunmen attacked a post.\nr2,"Police arrested three men."\nr3,Rebels shelled a town.\n')
    assert [record_id for record_id, _ in _outcome([path])] == ["quote2.csv:2", "r2", "r3"]


def test_a_multi_line_quoted_text_is_still_one_record(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_bytes(b'id,text\nr1,"Gunmen attacked a post.\n\nThey fled."\nr2,Rebels shelled a town.\n')
    records = list(read_inputs([path]))
    assert [(r.id, r.text) for r in records] == [("r1", "Gunmen attacked a post.\n\nThey fled."),
                                                 ("r2", "Rebels shelled a town.")]


def test_a_row_with_more_fields_than_the_header_is_an_error(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(b"id,text\nr1,Gunmen attacked a post, officials said.\nr2,Rebels shelled a town.\n")
    outcome = _outcome([path])
    assert [record_id for record_id, _ in outcome] == ["wide.csv:2", "r2"]
    assert "3 fields where the header has 2" in outcome[0][1]


def test_a_bom_does_not_lose_the_csv_id_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes([["id", "text"], ["r1", "Gunmen attacked a post."]]))
    assert _outcome([path]) == [("r1", None)]


def test_a_csv_missing_its_text_column_does_not_stop_other_inputs(tmp_path):
    path = tmp_path / "notext.csv"
    path.write_bytes(_csv_bytes([["id", "body"], ["r1", "Gunmen attacked a post."]]))
    outcome = _outcome([path, _later(tmp_path)])
    assert [record_id for record_id, _ in outcome] == ["notext.csv", "later"]
    assert "no column 'text' (columns: id, body); use --text-column" in outcome[0][1]


# -- Parquet ------------------------------------------------------------------------------------
def test_parquet_is_read_by_row_group_with_mapped_columns(tmp_path):
    import datetime as dt

    path = tmp_path / "archive.parquet"
    table = pa.table({"doc": [1, 2, 3, 4, 5], "body": ["Gunmen attacked a post.", "", "Rebels shelled a town.",
                                                       "Police arrested men.", "Troops clashed."],
                      "published": [dt.date(2025, 1, 3), None, dt.date(2025, 1, 4), None, dt.date(2025, 1, 5)],
                      "extra": ["x"] * 5})
    pq.write_table(table, path, row_group_size=2)
    assert pq.ParquetFile(path).num_row_groups == 3
    records = list(read_inputs([path], ColumnMapping(id="doc", text="body", date="published", lang=None)))
    assert [(r.id, r.date, r.error is None) for r in records] == [
        ("1", "2025-01-03", True), ("2", None, False), ("3", "2025-01-04", True), ("4", None, True),
        ("5", "2025-01-05", True)]
    assert "archive.parquet:row 2: text is empty" in records[1].error


def test_parquet_without_the_text_column_or_corrupt_is_one_error(tmp_path):
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"id": ["a"], "body": ["Gunmen attacked a post."]}), wrong)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet PAR1")
    outcome = _outcome([wrong, corrupt, _later(tmp_path)])
    assert [record_id for record_id, _ in outcome] == ["wrong.parquet", "corrupt.parquet", "later"]
    assert "no column 'text'" in outcome[0][1] and "not a readable Parquet file" in outcome[1][1]


# -- text folders -------------------------------------------------------------------------------
def test_text_folders_never_follow_links_out_and_name_what_they_skip(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("Private notes that must never be read.")
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Gunmen attacked a post.")
    (folder / "sub" / "b.txt").write_text("Rebels shelled a town.")
    (folder / "inside.txt").symlink_to(folder / "a.txt")
    (folder / "out.txt").symlink_to(outside)
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "linkdir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.txt")
    records = list(read_inputs([folder]))
    assert [(r.id, r.error is None) for r in records] == [
        ("a.txt", True), ("dangling.txt", False), ("inside.txt", True), ("out.txt", False), ("pipe.txt", False),
        ("sub/b.txt", True)]
    errors = {r.id: r.error for r in records if r.error}
    assert "dangling symbolic link" in errors["dangling.txt"]
    assert "outside the folder: not followed" in errors["out.txt"]
    assert "a FIFO, not a regular file" in errors["pipe.txt"]
    assert all("Private notes" not in (r.text or "") for r in records)


def test_a_file_name_that_is_not_utf8_is_an_error_with_a_printable_id(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("Gunmen attacked a post.")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w") as handle:
        handle.write("Rebels shelled a town.")
    records = list(read_inputs([folder, _later(tmp_path)]))
    assert [r.id for r in records] == ["a.txt", "caf\\xe9.txt", "later"]
    assert "file name is not valid UTF-8" in records[1].error
    json.dumps([r.id for r in records] + [r.error for r in records if r.error], ensure_ascii=False).encode("utf-8")


# -- WARC ---------------------------------------------------------------------------------------
def _warc(path: Path, pages: int, gzip_records: bool = True) -> list[int]:
    """A WARC of ``pages`` HTML responses; returns each record's offset."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    offsets = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip_records)
        for number in range(pages):
            html = (f"<html><body><article><p>Troops shelled the village of Number{number} on Monday, killing "
                    f"{number + 2} civilians, residents said.</p><p>The shelling lasted several hours and "
                    f"destroyed houses near the market, local officials added.</p></article></body></html>").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            offsets.append(handle.tell())
            writer.write_record(writer.create_warc_record(
                f"https://example.org/{number}", "response", payload=io.BytesIO(html), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2025-03-04T10:00:00Z"}))
    return offsets


@pytest.mark.parametrize("gzip_records", [True, False], ids=["warc.gz", "warc"])
def test_a_corrupt_warc_record_is_an_error_and_the_next_records_are_read(tmp_path, gzip_records):
    path = tmp_path / ("c.warc.gz" if gzip_records else "c.warc")
    offsets = _warc(path, 5, gzip_records)
    data = bytearray(path.read_bytes())
    data[offsets[2]: offsets[2] + 12] = b"GARBAGE!!!!!"  # the third record's start is destroyed
    path.write_bytes(bytes(data))
    records = list(read_inputs([path, _later(tmp_path)]))
    good = [r.id for r in records if r.error is None]
    assert good == ["https://example.org/0", "https://example.org/1", "https://example.org/3",
                    "https://example.org/4", "later"]
    failures = [r.error for r in records if r.error]
    assert len(failures) == 1 and "corrupt WARC record" in failures[0] and "byte(s) skipped" in failures[0]


@pytest.mark.parametrize("gzip_records", [True, False], ids=["warc.gz", "warc"])
def test_a_truncated_warc_reports_what_is_missing(tmp_path, gzip_records):
    path = tmp_path / ("t.warc.gz" if gzip_records else "t.warc")
    offsets = _warc(path, 4, gzip_records)
    data = path.read_bytes()
    for cut in (offsets[3] + 40, (offsets[3] + len(data)) // 2, len(data) - 30):
        path.write_bytes(data[:cut])
        records = list(read_inputs([path]))
        assert [r.id for r in records if r.error is None] == [f"https://example.org/{i}" for i in range(3)], cut
        failures = [r.error for r in records if r.error]
        assert len(failures) == 1, (cut, failures)
        assert "truncated" in failures[0] or "no readable record" in failures[0], failures[0]


def test_a_file_that_is_no_warc_is_an_error(tmp_path):
    path = tmp_path / "fake.warc"
    path.write_bytes(b"not a warc at all\r\n\r\n")
    outcome = _outcome([path, _later(tmp_path)])
    assert [record_id for record_id, _ in outcome] == ["fake.warc#1", "later"]
    assert "not a WARC record" in outcome[0][1]
