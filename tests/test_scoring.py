"""Archive scoring: formats in and out, one status per input, errors named, resume after kill -9."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flashpoint.readers import ColumnMapping, read_inputs
from flashpoint.engines.local import WorkerFailedError
from flashpoint.scoring import score_archive

SENTENCES = [
    "Gunmen attacked a police post near Gao on Sunday.",
    "Police arrested three men in Kano on Friday.",
    "Des hommes armés ont enlevé six commerçants près de Djibo jeudi.",
    "قصفت طائرات حربية مستودعا في إدلب يوم الاثنين.",
    "Analysts expect the ceasefire talks to resume next month.",
]


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flashpoint.cli", *args], capture_output=True, text=True)


def test_bad_records_become_error_lines_and_the_run_goes_on(tiny_model, tmp_path):
    source = tmp_path / "in.jsonl"
    with source.open("wb") as handle:
        handle.write(json.dumps({"id": "good-1", "text": SENTENCES[0], "date": "2025-01-02"}).encode() + b"\n")
        handle.write(b"{not json\n")
        handle.write(json.dumps({"id": "empty", "text": "   "}).encode() + b"\n")
        handle.write(json.dumps({"text": "no id here"}).encode() + b"\n")
        handle.write(b'{"id": "latin1", "text": "caf\xe9"}\n')
        handle.write(json.dumps({"id": "huge", "text": "x " * 150_000}).encode() + b"\n")
        handle.write(json.dumps({"id": "bad-date", "text": SENTENCES[1], "date": "02/01/2025"}).encode() + b"\n")
        handle.write(json.dumps({"id": "good-2", "text": SENTENCES[2], "lang": "fr"}).encode() + b"\n")
    result = _cli("score", str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(tiny_model), "--no-progress")
    assert result.returncode == 1  # some records failed
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [l["status"] for l in lines] == ["ok", "error", "error", "error", "error", "error", "error", "ok"]
    errors = [l["error"] for l in lines if l["status"] == "error"]
    assert "in.jsonl:2: invalid JSON" in errors[0]
    assert "text is empty" in errors[1]
    assert "field 'id' is missing" in errors[2]
    assert "not valid UTF-8" in errors[3]
    assert "over the limit" in errors[4]
    assert "not YYYY-MM-DD" in errors[5]
    assert lines[0]["id"] == "good-1" and lines[0]["date"] == "2025-01-02" and lines[-1]["lang"] == "fr"
    assert "summary: documents 8" in result.stderr and "errors 6" in result.stderr


def test_all_good_input_exits_zero_and_refuses_to_overwrite(tiny_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(SENTENCES)])
    out = tmp_path / "out.jsonl"
    assert _cli("score", str(source), "-o", str(out), "--model", str(tiny_model), "--no-progress").returncode == 0
    again = _cli("score", str(source), "-o", str(out), "--model", str(tiny_model), "--no-progress")
    assert again.returncode == 2 and "exists" in again.stderr


def test_input_formats_are_read(tmp_path):
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "g1", "text": SENTENCES[0]}) + "\n")
    table = tmp_path / "b.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc", "body", "published"])
        writer.writerow(["c1", SENTENCES[1], "2025-02-03"])
        writer.writerow(["c2", "", "2025-02-03"])
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "one.txt").write_text(SENTENCES[2], encoding="utf-8")
    (folder / "two.txt").write_bytes(b"\xff\xfe broken")
    warc = tmp_path / "c.warc.gz"
    _write_warc(warc)
    records = list(read_inputs([gz, table, folder, warc], ColumnMapping(id="doc", text="body", date="published", lang=None)))
    assert [(r.id, r.error is None) for r in records] == [
        ("g1", True), ("c1", True), ("c2", False), ("sub/one.txt", True), ("two.txt", False),
        ("https://example.org/news/1", True),
    ]
    assert records[1].date == "2025-02-03"
    assert "Gunmen stormed" in records[-1].text and "menu" not in records[-1].text
    assert records[-1].date == "2025-03-04"


def _write_warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = ("<html><head><script>var menu=1;</script></head><body><nav>menu</nav>"
            "<h1>Attack in Borno</h1><p>Gunmen stormed a village in Borno on Monday.</p></body></html>").encode()
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record("https://example.org/news/1", "response", payload=io.BytesIO(html),
                                           http_headers=headers, warc_headers_dict={"WARC-Date": "2025-03-04T10:00:00Z"})
        writer.write_record(record)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_flat_outputs_have_a_row_per_event_and_per_eventless_document(tiny_model, tmp_path, suffix):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(SENTENCES)] + ["oops"])
    out = tmp_path / f"out.{suffix}"
    summary = score_archive([source], out, tiny_model, chunk_size=2, progress=False)
    if suffix == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    assert {r["id"] for r in rows} == {"0", "1", "2", "3", "4", "in.jsonl:6"}
    assert len(rows) == summary.events + sum(1 for i in range(6) if not any(r["id"] == str(i) and r["type"] for r in rows))
    assert summary.documents == 6 and summary.errors == 1


def test_workers_give_the_same_output_as_one_process(tiny_model, tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": SENTENCES[i % 5]} for i in range(24)])
    score_archive([source], tmp_path / "one.jsonl", tiny_model, chunk_size=4, progress=False)
    score_archive([source], tmp_path / "two.jsonl", tiny_model, chunk_size=4, workers=2, progress=False)
    one = [json.loads(l) for l in (tmp_path / "one.jsonl").read_text().splitlines()]
    two = [json.loads(l) for l in (tmp_path / "two.jsonl").read_text().splitlines()]
    assert [d["id"] for d in one] == [str(i) for i in range(24)]
    assert one == two


def test_a_worker_that_cannot_load_the_model_stops_the_run_with_the_reason(tiny_model, tmp_path):
    # A model directory that passes the up-front check (manifest, graphs present) but whose
    # encoder graph no ONNX Runtime session can load: only the workers find out.
    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model, broken)
    encoder = json.loads((broken / "manifest.json").read_text())["onnx"]["int8"]["encoder"]
    (broken / encoder).write_bytes(b"not an onnx graph")
    source = _jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": SENTENCES[i % 5]} for i in range(4)])
    with pytest.raises(WorkerFailedError, match="could not load the model.*not a loadable ONNX graph"):
        score_archive([source], tmp_path / "out.jsonl", broken, workers=2, progress=False)
    assert not (tmp_path / "out.jsonl").exists()


def test_killed_run_resumes_with_every_document_exactly_once(tiny_model, tmp_path):
    ids = [f"doc-{i:04d}" for i in range(1000)]  # enough that the run cannot finish before the kill
    source = _jsonl(tmp_path / "in.jsonl", [{"id": d, "text": SENTENCES[i % 5] + f" Report {i}."} for i, d in enumerate(ids)])
    out = tmp_path / "out.jsonl"
    checkpoint = tmp_path / "out.jsonl.checkpoint.json"
    command = [sys.executable, "-m", "flashpoint.cli", "score", str(source), "-o", str(out), "--model", str(tiny_model),
               "--chunk-size", "4", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text() or "{}").get("documents", 0) >= 40:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = json.loads(checkpoint.read_text())["documents"]
    assert 40 <= done_before < 1000
    assert not out.exists()  # the output's name appears only when it is complete
    with (tmp_path / "out.jsonl.partial").open("ab") as handle:  # a half-written line, as a crash mid-write leaves
        handle.write(b'{"id": "doc-9999", "sta')
    resumed = subprocess.run(command, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after {done_before}" in resumed.stderr
    written = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert written == ids
    assert not checkpoint.exists()
