"""Input shards (the distributed run's unit of commit) and the parts directory: exact, on scripted inputs, no Ray."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from flashpoint.parts import PartsDir, PartsError, PartStats, merge_parts
from flashpoint.readers import ColumnMapping, read_inputs
from flashpoint.sharding import ShardChangedError, jsonl_line_starts, plan_shards, read_unit, read_units

COLUMNS = ColumnMapping()


def _records(n: int, bad: tuple[int, ...] = ()) -> list[str]:
    return ["{broken" if i in bad else json.dumps({"id": f"r{i}", "text": f"Text number {i}."}) for i in range(n)]


def _read_all(shards, columns=COLUMNS):
    """Every record of every shard, read unit by unit, as (shard, position, id, error)."""
    return [(s.index, position, r.id, r.error) for unit in read_units(shards) for s, position, r in read_unit(unit, columns)]


def test_line_starts_are_found_at_every_cut_with_and_without_a_final_newline(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"aa\nb\n\ncccc\nd")  # 5 lines, the last without a newline
    assert jsonl_line_starts(path, 2) == (5, [0, 5, 11])
    path.write_bytes(b"aa\nb\n\ncccc\n")  # 4 lines: no shard starts at the very end
    assert jsonl_line_starts(path, 2) == (4, [0, 5])
    path.write_bytes(b"")
    assert jsonl_line_starts(path, 2) == (0, [0])


def test_plain_jsonl_is_cut_into_byte_ranges_that_read_back_as_the_whole_file(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(_records(10, bad=(4,))) + "\n")
    shards = plan_shards([path], COLUMNS, 3)
    assert [(s.first, s.records, s.first_line) for s in shards] == [(0, 3, 1), (3, 3, 4), (6, 3, 7), (9, 1, 10)]
    assert shards[0].start == 0 and shards[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(shards, shards[1:]))
    assert read_units(shards) == [[s] for s in shards]  # each range is read on its own
    whole = list(read_inputs([path.resolve()]))
    assert _read_all(shards) == [(i // 3, i % 3, r.id, r.error) for i, r in enumerate(whole)]
    assert _read_all(shards)[4][2:] == ("in.jsonl:5", f"{path.resolve()}:5: invalid JSON (Expecting property name enclosed in double quotes at column 2)")


def test_gzip_and_folders_are_cut_by_count_and_streamed_skipping_done_shards(tmp_path):
    packed = tmp_path / "in.jsonl.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write("\n".join(_records(7)))  # no final newline
    folder = tmp_path / "texts"
    folder.mkdir()
    for name in ("c.txt", "a.txt", "b.txt"):
        (folder / name).write_text(f"Story {name}.")
    shards = plan_shards([packed, folder], COLUMNS, 3)
    assert [(s.source, s.first, s.records, s.seekable) for s in shards] == [
        (0, 0, 3, False), (0, 3, 3, False), (0, 6, 1, False), (1, 0, 3, False)]
    assert [[s.index for s in unit] for unit in read_units(shards)] == [[0, 1, 2], [3]]
    assert _read_all(shards) == [(i // 3, i % 3, f"r{i}", None) for i in range(7)] + [
        (3, 0, "a.txt", None), (3, 1, "b.txt", None), (3, 2, "c.txt", None)]
    # a rerun whose shard 1 is committed reads past its records and hands out the others
    assert _read_all([shards[0], shards[2]]) == [(0, i, f"r{i}", None) for i in range(3)] + [(2, 0, "r6", None)]


def test_csv_is_one_shard_of_unknown_size_read_as_the_local_run_reads_it(tmp_path):
    table = tmp_path / "in.csv"
    with table.open("w", newline="") as handle:
        csv.writer(handle).writerows([["doc", "body"], ["c1", "One."], ["c2", ""]])
    mapping = ColumnMapping(id="doc", text="body", date=None, lang=None)
    (shard,) = plan_shards([table], mapping, 1)
    assert (shard.first, shard.records, shard.seekable) == (0, None, False)
    assert [(p, r.id, r.error is None) for _, p, r in read_unit([shard], mapping)] == [(0, "c1", True), (1, "c2", False)]
    # a missing text column is the file's error record, as in a local run, not a refusal of the whole run
    (shard,) = plan_shards([table], COLUMNS, 1)
    read = [r for _, _, r in read_unit([shard], COLUMNS)]
    assert read == list(read_inputs([table.resolve()], COLUMNS)) and len(read) == 1 and "text" in read[0].error
    (tmp_path / "in.xml").write_text("<a/>")
    with pytest.raises(ValueError, match="unknown input format"):
        plan_shards([tmp_path / "in.xml"], COLUMNS, 1)
    with pytest.raises(ValueError, match="does not exist"):
        plan_shards([tmp_path / "missing.jsonl"], COLUMNS, 1)


def test_every_input_format_reads_through_shards_exactly_as_read_inputs_reads_it(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = tmp_path / "plain.jsonl"
    last = json.dumps({"id": "last", "text": "No final newline."}).encode()
    plain.write_bytes(b"\xef\xbb\xbf" + "\n".join(_records(7, bad=(2,))).encode() + b"\n\n" + b"\xff\xfe\n" + last)
    truncated = tmp_path / "cut.jsonl.gz"
    records = [json.dumps({"id": f"g{i}", "text": f"Text {i}."}) for i in range(50)]
    truncated.write_bytes(gzip.compress("\n".join(records).encode())[:-30])  # no end of stream: not countable
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Story a.")
    (folder / "sub" / "b.html").write_text("<html><body><article><p>Rebels shelled the town.</p></article></body></html>")
    (folder / "c.txt").write_bytes(b"\xff not utf-8")
    (folder / "d.md").write_text("not a document")
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>Police arrested three men in Kano on Friday.</p></article></body></html>")
    table = tmp_path / "table.parquet"
    pq.write_table(pa.table({"id": ["q1", "q2", "q3"], "text": ["One.", "", "Three."], "date": ["2025-01-02", None, "2025-02-30"]}),
                   table, row_group_size=2)
    inputs = [plain, truncated, folder, page, table]
    shards = plan_shards(inputs, COLUMNS, 2)
    assert [(s.source, s.records) for s in shards] == [(0, 2)] * 5 + [(1, None), (2, 2), (2, 1), (3, None), (4, None)]
    whole = list(read_inputs([p.resolve() for p in inputs], COLUMNS))
    read = [r for unit in read_units(shards) for _, _, r in read_unit(unit, COLUMNS)]
    assert read == whole  # the same records, errors and dates, field for field
    # BOM'd first line read, bad JSON, blank line, bad UTF-8; the truncated gzip's end; c.txt; empty text; bad date
    assert [r.id for r in read if r.error is not None] == [
        "plain.jsonl:3", "plain.jsonl:8", "plain.jsonl:9", "cut.jsonl.gz:45", "c.txt", "q2", "q3"]
    assert read[0].id == "r0" and read[9].id == "last" and [r.id for r in read[-7:-3]] == ["a.txt", "c.txt", "sub/b.html", "page.html"]


def test_an_input_that_changed_since_planning_is_an_error_not_a_silent_gap(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(_records(6)) + "\n")
    shards = plan_shards([path], COLUMNS, 3)
    path.write_text("\n".join(_records(4)) + "\n")
    with pytest.raises(ShardChangedError, match="hold 1 records, the run's plan says 3"):
        list(read_unit([shards[1]], COLUMNS))


def _scored(ids: list[str], errors: tuple[str, ...] = ()) -> list[tuple[dict, int]]:
    def document(i: str) -> dict:
        if i in errors:
            return {"id": i, "status": "error", "error": "bad", "lang": None, "event_types": {}, "events": []}
        return {"id": i, "status": "ok", "lang": "en", "event_types": {"attack": 0.9},
                "events": [{"type": "attack", "score": 0.9, "sentence_index": 0, "sentence": f"S {i}.", "trigger": None,
                            "arguments": {"actor": [{"text": "Gunmen", "start": 0, "end": 6, "score": 0.8}]}}]}
    return [(document(i), 2) for i in ids]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_parts_commit_atomically_and_merge_in_shard_order(tmp_path, kind):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(_records(5)) + "\n")
    shards = plan_shards([path], COLUMNS, 2)
    parts = PartsDir(tmp_path / "out", kind)
    parts.root.mkdir()
    parts.write_manifest({"run": 1}, shards)
    (parts.root / "part-000002.tmp").write_bytes(b"half")  # what a kill mid-write leaves
    parts.stats_path(1).write_text("{}")  # counts written, part not yet renamed
    for index in (2, 0):  # shards finish in any order
        parts.commit(index, _scored([f"r{2 * index + k}" for k in range(2 if index < 2 else 1)], errors=("r4",)))
    parts.remove_leftovers()
    assert parts.committed() == {0, 2}
    assert sorted(p.name for p in parts.root.iterdir()) == sorted([
        "manifest.json", "part-000000.stats.json", f"part-000000.{kind}", "part-000002.stats.json", f"part-000002.{kind}"])
    assert parts.stats(2) == PartStats(documents=1, sentences=2, events=0, errors=1, error_examples=["r4: bad"])
    with pytest.raises(PartsError, match="not complete"):
        merge_parts(parts.root, tmp_path / f"all.{kind}")
    parts.commit(1, _scored(["r2", "r3"]))
    totals = PartStats()
    for index in range(3):
        totals.add(parts.stats(index))
    parts.write_manifest({"run": 1}, shards, totals)
    with pytest.raises(PartsError, match=f"holds {kind} parts"):
        merge_parts(parts.root, tmp_path / ("all.jsonl" if kind != "jsonl" else "all.csv"))
    merged = tmp_path / f"all.{kind}"
    assert merge_parts(parts.root, merged).documents == 5
    if kind == "jsonl":
        ids = [json.loads(line)["id"] for line in merged.read_text().splitlines()]
    elif kind == "csv":
        rows = list(csv.DictReader(merged.open()))
        ids = [row["id"] for row in rows]
        assert merged.read_text().count("id,status,error") == 1
    else:
        import pyarrow.parquet as pq

        ids = pq.read_table(merged).column("id").to_pylist()
    assert ids == ["r0", "r1", "r2", "r3", "r4"]


def test_a_second_run_on_the_same_parts_is_refused(tmp_path):
    parts = PartsDir(tmp_path, "jsonl")
    with parts.locked():
        with pytest.raises(PartsError, match="another run is writing"):
            with PartsDir(tmp_path, "jsonl").locked():
                pass
    with parts.locked():  # released when the first run ends
        pass


def test_a_jsonl_part_from_encoded_lines_is_the_part_the_documents_make(tmp_path):
    from flashpoint.parts import ScoredLine, error_example
    from flashpoint.writers import json_line

    scored = _scored(["a", "b", "c"], errors=("b",))
    lines = [ScoredLine(json_line(d) + "\n", n, len(d["events"]), error_example(d)) for d, n in scored]
    from_documents, from_lines = PartsDir(tmp_path / "d", "jsonl"), PartsDir(tmp_path / "l", "jsonl")
    for parts, rows in ((from_documents, scored), (from_lines, lines)):
        parts.root.mkdir()
        assert parts.commit(0, rows) == PartStats(documents=3, sentences=6, events=2, errors=1, error_examples=["b: bad"])
    assert from_lines.part(0).read_bytes() == from_documents.part(0).read_bytes()
    with pytest.raises(ValueError, match="only make a JSONL part"):
        PartsDir(tmp_path / "p", "parquet").commit(0, lines)


def _with_records(scored: list[tuple[dict, int]], counts: dict[str, int]) -> list[tuple[dict, int]]:
    """The documents of ``scored`` as records mode makes them: ``counts[id]`` merged records each."""
    from flashpoint.records import record_columns

    def record(document_id: str, number: int) -> dict:
        row = {name: None for name, _ in record_columns()}
        return {**row, "event_id_cnty": f"{document_id}-{number}", "source": document_id, "fatalities": number,
                "evidence_sentences": [0], "evidence_starts": [0], "evidence_ends": [4]}

    return [({**d, "records": [record(d["id"], k) for k in range(counts.get(d["id"], 0))]}, n) for d, n in scored]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_records_mode_parts_hold_one_row_per_merged_event_and_merge_typed(tmp_path, kind):
    from flashpoint.parts import ScoredLine, error_example, open_parts
    from flashpoint.writers import encode_record_chunk, record_schema

    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(_records(3)) + "\n")
    scored = _with_records(_scored(["a", "b", "c"], errors=("b",)), {"a": 2})  # a: 2 records, b: error, c: none
    parts = PartsDir(tmp_path / "out", kind, "records")
    parts.root.mkdir()
    parts.write_manifest({"run": 1}, plan_shards([path], COLUMNS, 3))
    stats = parts.commit(0, scored)
    assert stats == PartStats(documents=3, sentences=6, events=2, errors=1, error_examples=["b: bad"])
    if kind == "jsonl":  # what an actor sends for a JSONL part makes the same bytes
        lines = PartsDir(tmp_path / "lines", "jsonl", "records")
        lines.root.mkdir()
        encoded = [ScoredLine(encode_record_chunk([d], "jsonl", with_header=False).decode(), n, len(d["records"]),
                              error_example(d)) for d, n in scored]
        assert lines.commit(0, encoded) == stats
        assert lines.part(0).read_bytes() == parts.part(0).read_bytes()
    parts.write_manifest({"run": 1}, parts.shards(), stats)
    assert open_parts(parts.root).mode == "records"
    merged = tmp_path / f"all.{kind}"
    merge_parts(parts.root, merged)
    if kind == "jsonl":
        rows = [json.loads(line) for line in merged.read_text().splitlines()]
    elif kind == "csv":
        rows = list(csv.DictReader(merged.open()))
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(merged)
        assert table.schema.equals(record_schema()) and table.schema.field("fatalities").type == "int64"
        rows = table.to_pylist()
    assert [(r["source"], r["event_id_cnty"], r["status"]) for r in rows] == [
        ("a", "a-0", "ok"), ("a", "a-1", "ok"), ("b", None if kind != "csv" else "", "error")]


def test_normalised_output_is_refused_for_parts_that_are_not_jsonl(tmp_path):
    with pytest.raises(PartsError, match="--normalise extends the JSONL score contract"):
        PartsDir(tmp_path, "csv", "normalise")
