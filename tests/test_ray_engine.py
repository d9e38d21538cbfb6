"""Scoring on Ray: the same records as a local run, exactly once, through a killed actor and a killed driver.

A local Ray cluster of 2 CPUs is started by this module and stopped at its end. Most
comparisons use fp32 graphs (the cheaper export to reason about); the first one also runs
the default int8 graphs, whose fixed activation scales make a record's scores independent
of its batch too.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flashpoint.readers import ColumnMapping
from flashpoint.scoring import score_archive

# The test cluster lives on this machine alone: keep Ray's services on the loopback
# interface (read by ray when it is imported, so set before any import of it).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

SENTENCES = [
    "Gunmen attacked a police post near Gao on Sunday.",
    "Police arrested three men in Kano on Friday.",
    "Des hommes armés ont enlevé six commerçants près de Djibo jeudi.",
    "قصفت طائرات حربية مستودعا في إدلب يوم الاثنين.",
    "Analysts expect the ceasefire talks to resume next month.",
]


@pytest.fixture(scope="module")
def node_cache(tmp_path_factory) -> Path:
    """Where this module's in-process runs unpack a shipped model (the cache of the 'nodes')."""
    return tmp_path_factory.mktemp("node-cache")


@pytest.fixture(scope="module")
def cluster(node_cache) -> str:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"FLASHPOINT_CACHE": str(node_cache)}})
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _story(i: int, sentences: int) -> str:
    return " ".join(SENTENCES[(i + k) % 5] for k in range(sentences)) + f" Report {i}."


def _mixed_inputs(folder: Path) -> list[Path]:
    """A plain JSONL file with bad records, a gzipped one, a CSV and a folder of texts."""
    plain = folder / "plain.jsonl"
    with plain.open("wb") as handle:
        for i in range(14):
            if i == 3:
                handle.write(b"{not json\n")
            elif i == 6:
                handle.write(json.dumps({"id": "empty", "text": "  "}).encode() + b"\n")
            elif i == 9:
                handle.write(json.dumps({"id": "bad-date", "text": SENTENCES[0], "date": "5/1/2025"}).encode() + b"\n")
            else:
                handle.write(json.dumps({"id": f"p{i}", "text": _story(i, 2), "date": "2025-01-02"}).encode() + b"\n")
    packed = folder / "packed.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps({"id": f"g{i}", "text": _story(i, 1)}, ensure_ascii=False) + "\n" for i in range(9)))
    table = folder / "table.csv"
    table.write_text("id,text,date,lang\n" + "".join(f"c{i},\"{_story(i, 1)}\",,\n" for i in range(5)) + "c5,,,\n",
                     encoding="utf-8")
    texts = folder / "texts"
    texts.mkdir()
    for i in range(4):
        (texts / f"t{i}.txt").write_text(_story(i, 2), encoding="utf-8")
    return [plain, packed, table, texts]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_ray_writes_what_a_local_run_writes_record_for_record(tiny_model, tmp_path, cluster, precision):
    from flashpoint.engines.ray_engine import score_on_ray

    inputs = _mixed_inputs(tmp_path)
    local = score_archive(inputs, tmp_path / "local.jsonl", tiny_model, precision=precision, chunk_size=5, progress=False)
    summary = score_on_ray(inputs, tmp_path / "ray.jsonl", tiny_model, address=cluster, precision=precision, chunk_size=3,
                           records_per_shard=4, columns=ColumnMapping(), progress=False)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert not (tmp_path / "ray.jsonl.parts").exists()
    records = _lines(tmp_path / "ray.jsonl")
    assert len(records) == 14 + 9 + 6 + 4 and records[3]["id"] == "plain.jsonl:4" and "invalid JSON" in records[3]["error"]
    assert (summary.documents, summary.errors, summary.totals.events, summary.totals.sentences) == (
        local.documents, local.errors, local.events, local.sentences)
    assert summary.errors == 4 and summary.shards == 4 + 3 + 1 + 1
    assert sum(a.documents for a in summary.per_actor.values()) == len(records)


def _web_and_table_inputs(folder: Path) -> list[Path]:
    """The inputs issue 13 added, each with faults: Parquet (an empty text, an impossible date),
    a saved page, a WARC (its crawl date as fallback), a folder with an .html page and a file
    that is not UTF-8, JSONL whose texts are HTML, a truncated gzip and a CSV without its text column."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def page(i: int, dated: bool) -> str:
        meta = '<meta property="article:published_time" content="2024-03-0%d">' % (i + 1) if dated else ""
        return (f"<html><head>{meta}</head><body><nav>Home | World | Sport</nav><article><p>{_story(i, 3)}</p>"
                f"</article><footer>Related links</footer></body></html>")

    table = folder / "table.parquet"
    pq.write_table(pa.table({"id": [f"q{i}" for i in range(5)], "text": [_story(i, 2) if i != 2 else "" for i in range(5)],
                             "date": ["2025-01-02", None, None, "2025-02-30", None]}), table, row_group_size=2)
    saved = folder / "saved.html"
    saved.write_text(page(0, True), encoding="utf-8")
    warc = folder / "crawl.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(3):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://example.org/story-{i}", "response", payload=io.BytesIO(page(i, i == 1).encode()),
                http_headers=headers, warc_headers_dict={"WARC-Date": "2025-06-30T12:00:00Z"}))
    pages = folder / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(page(2, False), encoding="utf-8")
    (pages / "b.txt").write_text(_story(5, 2), encoding="utf-8")
    (pages / "c.txt").write_bytes(b"\xff\xfe not UTF-8")
    html_lines = folder / "html.jsonl"
    html_lines.write_text("".join(json.dumps({"id": f"h{i}", "text": page(i, i % 2 == 0)}) + "\n" for i in range(5)),
                          encoding="utf-8")
    cut = folder / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress("".join(json.dumps({"id": f"z{i}", "text": _story(i, 1)}) + "\n"
                                          for i in range(30)).encode())[:-40])
    no_text = folder / "no_text.csv"
    no_text.write_text("id,body\nn1,Something happened.\n", encoding="utf-8")
    return [table, saved, warc, pages, html_lines, cut, no_text]


def test_ray_reads_web_pages_tables_and_faulty_files_as_a_local_run_does(tiny_model, tmp_path, cluster):
    """Every shard is read by the local readers: the same records, error records and found dates,
    down to the flat output's date_source column."""
    from flashpoint.engines.ray_engine import score_on_ray

    inputs = _web_and_table_inputs(tmp_path)
    local = score_archive(inputs, tmp_path / "local.csv", tiny_model, precision="fp32", chunk_size=4, progress=False)
    summary = score_on_ray(inputs, tmp_path / "ray.csv", tiny_model, address=cluster, precision="fp32", chunk_size=3,
                           records_per_shard=2, columns=ColumnMapping(), progress=False)
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (summary.documents, summary.errors) == (local.documents, local.errors)
    import csv

    rows = list(csv.DictReader((tmp_path / "ray.csv").open(encoding="utf-8", newline="")))
    sources = {row["id"]: row["date_source"] for row in rows}
    assert sources["saved.html"] == "page" and sources["https://example.org/story-0"] == "crawl"
    failed = {row["id"] for row in rows if row["status"] == "error"}
    assert {"q2", "q3", "c.txt"} <= failed and any(i.startswith("cut.jsonl.gz:") for i in failed)
    assert any(i.startswith("no_text.csv") for i in failed)


def test_a_parts_directory_keeps_its_manifest_skips_done_shards_and_merges_into_the_local_file(tiny_model, tmp_path, cluster,
                                                                                              node_cache):
    import pyarrow.parquet as pq

    from flashpoint.engines.ray_engine import score_on_ray

    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": _story(i, 2)}) + "\n" for i in range(12)))
    parts = tmp_path / "events"
    first = score_on_ray([source], parts, tiny_model, address=cluster, precision="fp32", chunk_size=4,
                         records_per_shard=5, parts_format="parquet", ship_model=True, progress=False)
    assert len(list((node_cache / "shipped-models").iterdir())) == 1  # the actors loaded the copy sent to them
    manifest = json.loads((parts / "manifest.json").read_text())
    assert manifest["complete"] and manifest["summary"]["documents"] == 12
    assert sorted(p.name for p in parts.glob("part-*.parquet")) == [f"part-00000{i}.parquet" for i in range(3)]
    again = score_on_ray([source], parts, tiny_model, address=cluster, precision="fp32", chunk_size=4,
                         records_per_shard=5, parts_format="parquet", progress=False)
    assert (again.shards_skipped, again.resumed_from, again.per_actor) == (3, 12, {})
    assert again.totals == first.totals
    merged = subprocess.run([sys.executable, "-m", "flashpoint.cli", "merge", str(parts), "-o", str(tmp_path / "merged.parquet")],
                            capture_output=True, text=True)
    assert merged.returncode == 0, merged.stderr
    score_archive([source], tmp_path / "local.parquet", tiny_model, precision="fp32", progress=False)
    assert pq.read_table(tmp_path / "merged.parquet").equals(pq.read_table(tmp_path / "local.parquet"))


@pytest.mark.parametrize("mode, output", [("records", "out.jsonl"), ("normalise", "out.jsonl"), ("records", "out.parquet")])
def test_records_and_normalised_output_on_ray_are_the_local_ones(tiny_model, tmp_path, cluster, mode, output):
    import pyarrow.parquet as pq

    from flashpoint.engines.ray_engine import score_on_ray

    inputs = _mixed_inputs(tmp_path)
    local = score_archive(inputs, tmp_path / f"local-{output}", tiny_model, chunk_size=5, progress=False,
                          records=mode == "records", normalise=mode == "normalise")
    summary = score_on_ray(inputs, tmp_path / f"ray-{output}", tiny_model, address=cluster, chunk_size=3,
                           records_per_shard=4, progress=False, mode=mode)
    if output.endswith(".jsonl"):
        written = _lines(tmp_path / f"ray-{output}")
        assert (tmp_path / f"ray-{output}").read_bytes() == (tmp_path / f"local-{output}").read_bytes()
    else:
        table = pq.read_table(tmp_path / f"ray-{output}")
        assert table.equals(pq.read_table(tmp_path / f"local-{output}"))
        written = table.to_pylist()
    if mode == "records":  # one row per merged event, one per failed document
        assert {"event_id_cnty", "inter1", "fatalities"} <= set(written[0])
        assert sum(r["status"] == "ok" for r in written) == summary.totals.events > 0
    else:  # one line per document, with its records beside the spans
        assert len(written) == 33 and any(d.get("records") for d in written)
    assert (summary.documents, summary.errors, summary.totals.events) == (local.documents, local.errors, local.events)


# -- faults: a killed actor, a killed driver ----------------------------------------------------
@pytest.fixture(scope="module")
def long_archive(tiny_model, tmp_path_factory) -> tuple[Path, Path]:
    """An archive long enough to be interrupted, and its uninterrupted local output."""
    folder = tmp_path_factory.mktemp("long")
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i:03d}", "text": _story(i, 8)}, ensure_ascii=False) + "\n"
                              for i in range(120)) + "{broken\n", encoding="utf-8")
    score_archive([source], folder / "reference.jsonl", tiny_model, precision="fp32", progress=False)
    return source, folder / "reference.jsonl"


def _score_command(source: Path, output: Path, model: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "flashpoint.cli", "score", str(source), "-o", str(output), "--model", str(model),
            "--engine", "ray", "--address", address, "--precision", "fp32", "--chunk-size", "2",
            "--shard-records", "6", "--no-progress"]


def _wait_for_parts(parts: Path, at_least: int, process: subprocess.Popen, timeout: float = 300) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        done = len(list(parts.glob("part-*.jsonl")))
        if done >= at_least:
            return done
        time.sleep(0.02)
    raise AssertionError(f"the run ended or stalled before {at_least} parts were written: {process.poll()}")


def _score_actor_pids() -> list[int]:
    """Processes of this module's cluster (children of its raylet, itself a child of this process) that are scoring actors."""
    def parent(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
            if "MapBatches(ScoreActor)" in title and parent(parent(int(entry.name))) == os.getpid():
                found.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return found


def test_a_killed_actor_is_restarted_and_its_batches_scored_again(tiny_model, tmp_path, cluster, long_archive):
    source, reference = long_archive
    output = tmp_path / "out.jsonl"
    process = subprocess.Popen(_score_command(source, output, tiny_model, cluster), stderr=subprocess.PIPE, text=True)
    done = _wait_for_parts(tmp_path / "out.jsonl.parts", 1, process)
    victims = _score_actor_pids()
    assert victims, "no scoring actor found"
    os.kill(victims[0], signal.SIGKILL)
    assert process.poll() is None and done < 21, "the run ended before the actor was killed"
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 1, stderr  # the broken line is an error record
    assert not Path(f"/proc/{victims[0]}").exists()
    assert _lines(output) == _lines(reference)
    assert "documents 121" in stderr and "errors 1" in stderr


def test_a_driver_killed_mid_run_is_continued_by_the_same_command(tiny_model, tmp_path, cluster, long_archive):
    source, reference = long_archive
    output = tmp_path / "out.jsonl"
    command = _score_command(source, output, tiny_model, cluster)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_parts(tmp_path / "out.jsonl.parts", 2, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    parts = tmp_path / "out.jsonl.parts"
    committed = len(list(parts.glob("part-*.jsonl")))
    assert not output.exists() and not json.loads((parts / "manifest.json").read_text())["complete"]
    assert 2 <= committed < 21
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 1, rerun.stderr
    skipped = int(rerun.stderr.split("shards 21 (")[1].split(" already done")[0])
    assert skipped >= committed
    assert _lines(output) == _lines(reference)
    assert not parts.exists()


# -- ray stays optional ----------------------------------------------------------------------------
def test_without_ray_the_engine_asks_for_the_extra_in_one_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "1", "text": SENTENCES[0]}) + "\n")
    code = ("import sys; sys.modules['ray'] = None; from flashpoint.cli import main; "
            f"sys.argv = ['flashpoint', 'score', {str(source)!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '--engine', 'ray']; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: --engine ray needs Ray: pip install 'flashpoint[distributed]'"]


def test_the_default_score_never_imports_ray(tiny_model, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "1", "text": SENTENCES[0]}) + "\n")
    code = ("import sys, flashpoint, flashpoint.cli; from pathlib import Path; from flashpoint.scoring import score_archive; "
            f"score_archive([Path({str(source)!r})], Path({str(tmp_path / 'o.jsonl')!r}), Path({str(tiny_model)!r}), "
            "workers=2, progress=False); print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
