"""`flashpoint score` on the bad inputs that used to abort it (issue 13): every fault is an
error line naming the file or record, every good record before and after it is scored,
the later inputs are read, and the exit status is 1."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

GOOD = ["Gunmen attacked a police post near Gao on Sunday.", "Police arrested three men in Kano on Friday."]


def _score(tiny_model: Path, output: Path, *inputs: Path | str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flashpoint.cli", "score", *map(os.fsdecode, inputs), "-o", str(output),
               "--model", str(tiny_model), "--no-progress"]
    return subprocess.run(command, capture_output=True, text=True, errors="replace")


def test_faults_that_aborted_the_run_are_error_lines_and_the_run_goes_on(tiny_model, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join([
        json.dumps({"id": "first", "text": GOOD[0]}).encode(),
        b'{"id": "sur\\ud800rogate", "text": "Troops shelled a town."}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"id": ' + b"9" * 5000 + b', "text": "Troops shelled a town."}',
        b'{"id": 12.5, "text": "Troops shelled a town."}',
        json.dumps({"id": "dated", "text": GOOD[1], "date": "2025-01-03T10:00:00Z"}).encode(),
        json.dumps({"id": "impossible", "text": GOOD[1], "date": "2025-02-30"}).encode(),
    ]) + b"\n")
    whole = gzip.compress(b"".join(json.dumps({"id": f"gz{i}", "text": GOOD[i % 2]}).encode() + b"\n"
                                   for i in range(400)))
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_bytes(b'{"id": "x", "text": "not compressed"}\n')
    no_text = tmp_path / "notext.csv"
    no_text.write_text("id,body\nc1,Rebels shelled a town.\n")
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "ok.txt").write_text(GOOD[0])
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w") as handle:
        handle.write(GOOD[1])
    last = tmp_path / "last.jsonl"
    last.write_text(json.dumps({"id": "last", "text": GOOD[0]}) + "\n")

    output = tmp_path / "out.jsonl"
    result = _score(tiny_model, output, bad, truncated, not_gzip, no_text, folder, last)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    documents = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    by_id = {d["id"]: d for d in documents}
    ok = [d["id"] for d in documents if d["status"] == "ok"]
    assert ok[:2] == ["first", "dated"] and ok[-2:] == ["ok.txt", "last"]
    assert by_id["dated"]["date"] == "2025-01-03"
    gz_read = [i for i in ok if i.startswith("gz")]
    assert gz_read == [f"gz{i}" for i in range(len(gz_read))] and 0 < len(gz_read) < 400
    errors = {d["id"]: d["error"] for d in documents if d["status"] == "error"}
    assert "field 'id' is not valid Unicode" in errors["bad.jsonl:2"]
    assert "nested too deeply" in errors["bad.jsonl:3"]
    assert "field 'id' has 5000 characters" in errors["bad.jsonl:4"]
    assert "field 'id' is a number, not a string" in errors["bad.jsonl:5"]
    assert "is not a real calendar date" in errors["impossible"]
    assert f"after line {len(gz_read)}" in errors[f"cut.jsonl.gz:{len(gz_read) + 1}"]
    assert "not a valid gzip file" in errors["plain.jsonl.gz:1"]
    assert "no column 'text'" in errors["notext.csv"]
    assert "file name is not valid UTF-8" in errors["caf\\xe9.txt"]
    assert len(documents) == len(ok) + len(errors)
    assert f"errors {len(errors)}" in result.stderr


def test_html_option_reaches_the_readers(tiny_model, tmp_path):
    page = (Path(__file__).parent / "data/pages/div_article.html").read_text()
    source = tmp_path / "pages.jsonl"
    source.write_text(json.dumps({"id": "page", "text": page}) + "\n")
    kept = _score(tiny_model, tmp_path / "raw.jsonl", source, "--no-html")
    cleaned = _score(tiny_model, tmp_path / "clean.jsonl", source, "--html")
    assert kept.returncode == 0 and cleaned.returncode == 0, kept.stderr + cleaned.stderr
    raw = json.loads((tmp_path / "raw.jsonl").read_text())
    clean = json.loads((tmp_path / "clean.jsonl").read_text())
    assert "date" not in raw and (clean["date"], clean["date_source"]) == ("2025-01-03", "page")
    assert any("cookie" in event["sentence"].lower() for event in raw["events"])  # what --html keeps out
    assert clean["events"] and not any("cookie" in event["sentence"].lower() for event in clean["events"])


def test_parquet_input_is_scored(tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "archive.parquet"
    pq.write_table(pa.table({"doc": ["p1", "p2", "p3"], "body": [GOOD[0], "", GOOD[1]]}), source, row_group_size=2)
    output = tmp_path / "out.jsonl"
    result = _score(tiny_model, output, source, "--id-column", "doc", "--text-column", "body")
    assert result.returncode == 1
    documents = [json.loads(line) for line in output.read_text().splitlines()]
    assert [(d["id"], d["status"]) for d in documents] == [("p1", "ok"), ("p2", "error"), ("p3", "ok")]
