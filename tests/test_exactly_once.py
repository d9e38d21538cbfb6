"""Exactly once, in every case: real kills at exact points and at random moments, the
output lock, inputs changed between a kill and the rerun, output == input, and runs that
fail before scoring anything (tiny model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flashpoint.run_state import RunMismatchError
from flashpoint.scoring import OutputExistsError, score_archive

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from kill_series import document_ids, kill_series, leftovers, same_content, score_command, write_archive  # noqa: E402

KILL_AT = str(REPO / "tests" / "kill_at.py")
DOCUMENTS, CHUNK = 24, 4  # six chunks


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive") / "news.jsonl", DOCUMENTS)


@pytest.fixture(scope="module")
def references(tiny_model, archive, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reference")
    outputs = {}
    for suffix in ("jsonl", "parquet"):
        outputs[suffix] = folder / f"reference.{suffix}"
        score_archive([archive], outputs[suffix], tiny_model, chunk_size=CHUNK, progress=False)
    return outputs


def _run(*arguments: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(arguments, capture_output=True, text=True, env=env, cwd=cwd)


def _killed_then_rerun(command: list[str], target: str, count: int, when: str, between=None) -> subprocess.CompletedProcess:
    killed = _run(sys.executable, KILL_AT, target, str(count), when, "--", *command[3:])
    assert killed.returncode == -9, f"the kill point was never reached: {killed.stderr}"
    if between is not None:
        between()
    return _run(*command)


# Each kill point: (function, call number, before/after, formats it applies to).
KILL_POINTS = {
    "before the first checkpoint": ("flashpoint.run_state:write_atomically", 1, "before", ("jsonl", "parquet")),
    "right after the first checkpoint": ("flashpoint.run_state:write_atomically", 1, "after", ("jsonl", "parquet")),
    "after three chunks": ("flashpoint.run_state:write_atomically", 4, "after", ("jsonl", "parquet")),
    "after the last chunk, before 'finishing'": ("flashpoint.run_state:write_atomically", DOCUMENTS // CHUNK + 1,
                                                 "after", ("jsonl", "parquet")),
    "after 'finishing', before the output is put in place": ("flashpoint.run_state:write_atomically",
                                                             DOCUMENTS // CHUNK + 2, "after", ("jsonl", "parquet")),
    "after the rename, before 'complete'": ("flashpoint.scoring:publish", 1, "after", ("jsonl",)),
    "in the middle of the Parquet merge": ("pyarrow.parquet:read_table", 3, "after", ("parquet",)),
    "after the merged file is renamed": ("flashpoint.writers:publish", 1, "after", ("parquet",)),
    "after 'complete', before clean-up": ("flashpoint.run_state:write_atomically", DOCUMENTS // CHUNK + 3,
                                          "after", ("jsonl", "parquet")),
}
CASES = [(name, suffix) for name, (*_, formats) in KILL_POINTS.items() for suffix in formats]


@pytest.mark.parametrize(("point", "suffix"), CASES, ids=[f"{s}: {n}" for n, s in CASES])
def test_a_kill_at_any_point_is_resumed_by_the_same_command(tiny_model, archive, references, tmp_path, point, suffix):
    target, count, when, _ = KILL_POINTS[point]
    output = tmp_path / f"out.{suffix}"
    command = score_command([archive], output, tiny_model, workers=1, chunk_size=CHUNK)
    rerun = _killed_then_rerun(command, target, count, when)
    assert rerun.returncode == 0, rerun.stderr
    assert same_content(output, references[suffix])
    assert document_ids(output) == [f"doc-{i:05d}" for i in range(DOCUMENTS)]
    assert leftovers(output) == []


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_a_final_file_is_never_partial_while_a_run_is_unfinished(tiny_model, archive, tmp_path, suffix):
    output = tmp_path / f"out.{suffix}"
    command = score_command([archive], output, tiny_model, workers=1, chunk_size=CHUNK)
    target = "pyarrow.parquet:read_table" if suffix == "parquet" else "flashpoint.run_state:write_atomically"
    killed = _run(sys.executable, KILL_AT, target, "3", "after", "--", *command[3:])
    assert killed.returncode == -9
    assert not output.exists()  # only the working files: the output's name appears when it is complete
    assert (tmp_path / f"out.{suffix}.checkpoint.json").exists()


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_a_kill_during_clean_up_leaves_the_finished_output_alone(tiny_model, archive, references, tmp_path, suffix):
    """A kill in the middle of removing the part files (some parts gone, checkpoint 'complete')."""
    output = tmp_path / f"out.{suffix}"
    command = score_command([archive], output, tiny_model, workers=1, chunk_size=CHUNK)
    parts = tmp_path / f"out.{suffix}.parts"

    def half_the_parts_removed() -> None:
        for part in sorted(parts.glob("*.parquet"))[::2]:
            part.unlink()

    between = half_the_parts_removed if suffix == "parquet" else None
    rerun = _killed_then_rerun(command, "flashpoint.run_state:write_atomically", DOCUMENTS // CHUNK + 3, "after",
                               between)
    assert rerun.returncode == 0, rerun.stderr
    assert same_content(output, references[suffix]) and leftovers(output) == []
    assert "resumed after 24" in rerun.stderr


def test_a_second_scorer_on_the_same_output_is_refused_by_the_lock(tiny_model, tmp_path):
    archive = write_archive(tmp_path / "news.jsonl", 400)
    output = tmp_path / "out.jsonl"
    command = score_command([archive], output, tiny_model, workers=1, chunk_size=2)
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    checkpoint = tmp_path / "out.jsonl.checkpoint.json"
    deadline = time.time() + 120
    while not (checkpoint.exists() and json.loads(checkpoint.read_text())["documents"] >= 4) and time.time() < deadline:
        time.sleep(0.05)
    second = _run(*command)
    forced = _run(*command, "--force")
    assert first.poll() is None, "the first run ended before the second one started"
    _, first_errors = first.communicate(timeout=600)
    for refused in (second, forced):
        assert refused.returncode == 2
        assert f"error: {output} is being written by another flashpoint run (pid {first.pid})" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert first.returncode == 0, first_errors
    assert document_ids(output) == [f"doc-{i:05d}" for i in range(400)]
    assert leftovers(output) == []


def test_an_input_changed_between_a_kill_and_the_rerun_is_refused(tiny_model, tmp_path):
    archive = write_archive(tmp_path / "news.jsonl", DOCUMENTS)
    output = tmp_path / "out.jsonl"
    command = score_command([archive], output, tiny_model, workers=1, chunk_size=CHUNK)

    def archive_grows() -> None:
        with archive.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": "late", "text": "Troops shelled a village near Kidal."}) + "\n")

    rerun = _killed_then_rerun(command, "flashpoint.run_state:write_atomically", 3, "after", archive_grows)
    assert rerun.returncode == 2 and "Traceback" not in rerun.stderr
    assert f"error: input {archive} changed since the interrupted run (8 documents already scored" in rerun.stderr
    assert "--force" in rerun.stderr
    forced = _run(*command, "--force")
    assert forced.returncode == 0, forced.stderr
    assert document_ids(output) == [f"doc-{i:05d}" for i in range(DOCUMENTS)] + ["late"]


def test_a_file_changed_inside_an_input_folder_is_named(tiny_model, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    for i in range(6):
        (folder / f"{i}.txt").write_text(f"Gunmen attacked a police post near Gao, report {i}.", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    command = score_command([folder], output, tiny_model, workers=1, chunk_size=2)

    def one_text_edited() -> None:
        path = folder / "3.txt"
        path.write_text("Police arrested three men in Kano.", encoding="utf-8")
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))

    rerun = _killed_then_rerun(command, "flashpoint.run_state:write_atomically", 2, "after", one_text_edited)
    assert rerun.returncode == 2
    assert f"input {folder} (3.txt) changed since the interrupted run" in rerun.stderr


def test_a_checkpoint_of_another_run_is_not_reused(tiny_model, tmp_path):
    first = write_archive(tmp_path / "a.jsonl", 4)
    other = write_archive(tmp_path / "b.jsonl", 4)
    output = tmp_path / "out.jsonl"
    kill = _run(sys.executable, KILL_AT, "flashpoint.run_state:write_atomically", "1", "after", "--",
                *score_command([first], output, tiny_model, 1, 2)[3:])
    assert kill.returncode == -9
    with pytest.raises(RunMismatchError, match="belongs to a run with other inputs"):
        score_archive([other], output, tiny_model, progress=False)
    with pytest.raises(RunMismatchError, match="other precision"):
        score_archive([first], output, tiny_model, precision="fp32", progress=False)
    summary = score_archive([first], output, tiny_model, progress=False, chunk_size=2)
    assert summary.documents == 4 and summary.resumed_from == 0


def test_output_equal_to_an_input_is_refused_even_with_force(tiny_model, tmp_path):
    archive = write_archive(tmp_path / "news.jsonl", 3)
    before = archive.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(archive)
    for output in (archive, link, tmp_path / "." / "news.jsonl"):
        result = _run(*score_command([archive], output, tiny_model, 1, 2), "--force")
        assert result.returncode == 2 and "is also an input" in result.stderr and "Traceback" not in result.stderr
    assert archive.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "news.jsonl"]


@pytest.mark.parametrize("mistake", ["model", "input format", "output format"])
def test_a_run_that_fails_before_scoring_leaves_nothing_that_blocks_the_next(tiny_model, tmp_path, mistake):
    archive = write_archive(tmp_path / "news.jsonl", 3)
    output = tmp_path / "runs" / "out.jsonl"
    bad_model, bad_input = tmp_path / "no-model", tmp_path / "news.txt"
    bad_input.write_text("text")
    inputs = [archive, bad_input] if mistake == "input format" else [archive]
    target = tmp_path / "out.xlsx" if mistake == "output format" else output
    command = score_command(inputs, target, bad_model if mistake == "model" else tiny_model, 1, 2)
    failed = _run(*command)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert {"model": "no-model is not a flashpoint model directory (no manifest.json)",
            "input format": "news.txt: unknown input format",
            "output format": "out.xlsx: unknown output format"}[mistake] in failed.stderr
    assert not output.parent.exists() or list(output.parent.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.jsonl", "news.txt"] + (["runs"] if output.parent.exists() else [])
    fixed = _run(*score_command([archive], output, tiny_model, 1, 2))
    assert fixed.returncode == 0, fixed.stderr
    assert document_ids(output) == ["doc-00000", "doc-00001", "doc-00002"]


def test_an_error_raised_before_the_first_chunk_removes_the_run_files(tiny_model, tmp_path, monkeypatch):
    import flashpoint.scoring as scoring

    archive = write_archive(tmp_path / "news.jsonl", 3)
    output = tmp_path / "out.jsonl"

    def unreadable(*_args, **_kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(scoring, "read_inputs", unreadable)
    with pytest.raises(OSError, match="disk went away"):
        score_archive([archive], output, tiny_model, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.jsonl"]


def test_a_finished_output_is_kept_until_force_replaces_it(tiny_model, tmp_path):
    archive = write_archive(tmp_path / "news.jsonl", 3)
    output = tmp_path / "out.jsonl"
    score_archive([archive], output, tiny_model, progress=False)
    finished = output.read_bytes()
    with pytest.raises(OutputExistsError, match="use --force"):
        score_archive([archive], output, tiny_model, progress=False)
    killed = _run(sys.executable, KILL_AT, "flashpoint.run_state:write_atomically", "2", "after", "--",
                  *score_command([archive], output, tiny_model, 1, 1)[3:], "--force")
    assert killed.returncode == -9
    assert output.read_bytes() == finished  # a killed --force run has not destroyed the old output


@pytest.mark.parametrize(("workers", "suffix"), [(1, "jsonl"), (2, "parquet")])
def test_random_kills_resume_exactly(tiny_model, tmp_path, workers, suffix):
    """A short series of real kill -9 at random moments (the full series is marked slow)."""
    archive = write_archive(tmp_path / "news.jsonl", 120)
    result = kill_series(tiny_model, archive, tmp_path / "runs", workers, suffix, runs=2, seed=workers)
    assert result["kills"] == 2 and result["reference_reproducible"] and result["completed_but_not_exact"] == 0
    assert result["documents_lost"] == 0 and result["documents_duplicated"] == 0
    assert result["exact_resumes"] == result["kills"], result["outcomes"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_ten_random_kills_resume_exactly(tiny_model, tmp_path, workers, suffix):
    archive = write_archive(tmp_path / "news.jsonl", 300)
    result = kill_series(tiny_model, archive, tmp_path / "runs", workers, suffix, runs=10, seed=13 * workers)
    assert result["kills"] == 10 and result["reference_reproducible"] and result["completed_but_not_exact"] == 0
    assert result["documents_lost"] == 0 and result["documents_duplicated"] == 0
    assert result["exact_resumes"] == result["kills"], result["outcomes"]
