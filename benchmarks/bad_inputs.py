"""The bad-input catalogue: every kind of bad input issue 13 names, each run through `flashpoint score`.

    python benchmarks/bad_inputs.py --model models/default

Each entry writes one kind of bad input between good records, followed by a later good
input file, and says what must happen. A kind counts as handled when the run goes on
(no traceback; exit 1 when an error line is expected, else 0), every good record (before
and after the fault, and in the later file) is scored ``ok``, the expected error line is
there, and any expected warning is printed. Prints kinds tried / handled and saves
``benchmarks/results/bad_inputs.json``. ``BAD_INPUTS`` is the catalogue a fault
benchmark can import.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import machine, save

BEFORE = {"id": "good-before", "text": "Gunmen attacked a police post near Gao on Sunday."}
AFTER = {"id": "good-after", "text": "Police arrested three men in Kano on Friday."}
LATER = {"id": "good-later", "text": "Protesters marched through Bamako on Monday."}
ALL_GOOD = ["good-before", "good-after", "good-later"]


@dataclass
class BadInput:
    """One kind of bad input: the files to score, the ids that must come out ``ok``, the text the
    bad record's error line must contain (None: no error line is expected) and a warning to print."""

    name: str
    inputs: list[Path]
    good_ids: list[str]
    error_contains: str | None
    stderr_contains: str | None = None
    extra_arguments: list[str] = field(default_factory=list)


def _line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _later(folder: Path) -> Path:
    path = folder / "later.jsonl"
    path.write_bytes(_line(LATER))
    return path


def _jsonl(folder: Path, name: str, bad: bytes, suffix: str = ".jsonl") -> list[Path]:
    path = folder / f"{name}{suffix}"
    path.write_bytes(_line(BEFORE) + bad + b"\n" + _line(AFTER))
    return [path, _later(folder)]


def _csv(folder: Path, name: str, data: bytes) -> list[Path]:
    path = folder / f"{name}.csv"
    path.write_bytes(data)
    return [path, _later(folder)]


def _csv_rows(*rows: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _jsonl_case(name: str, bad: bytes, error: str) -> Callable[[Path], BadInput]:
    def make(folder: Path) -> BadInput:
        return BadInput(name, _jsonl(folder, name.replace(" ", "-"), bad), ALL_GOOD, error)
    make.__name__ = name
    return make


JSONL_CASES = [
    _jsonl_case("invalid JSON line", b"{not json", "invalid JSON"),
    _jsonl_case("record without id", b'{"text": "Troops shelled a town."}', "field 'id' is missing"),
    _jsonl_case("lone surrogate in an id", b'{"id": "a\\ud800", "text": "Troops shelled a town."}',
                "field 'id' is not valid Unicode"),
    _jsonl_case("lone surrogate in a text", b'{"id": "s", "text": "Troops \\udc00 shelled a town."}',
                "text is not valid Unicode"),
    _jsonl_case("deeply nested JSON", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    _jsonl_case("5,000-digit id", b'{"id": ' + b"7" * 5000 + b', "text": "Troops shelled a town."}',
                "field 'id' has 5000 characters"),
    _jsonl_case("id that is a number with a fraction", b'{"id": 1.5, "text": "Troops shelled a town."}',
                "field 'id' is a number, not a string"),
    _jsonl_case("id that is an array", b'{"id": ["a"], "text": "Troops shelled a town."}',
                "field 'id' is an array, not a string"),
    _jsonl_case("id that is null", b'{"id": null, "text": "Troops shelled a town."}', "field 'id' is null"),
    _jsonl_case("invalid UTF-8 in a JSONL line", b'{"id": "l", "text": "caf\xe9"}', "not valid UTF-8"),
    _jsonl_case("blank line", b"   ", "blank line"),
    _jsonl_case("line that is not an object", b'["id", "text"]', "a record must be a JSON object"),
    _jsonl_case("text that is not a string", b'{"id": "t", "text": 42}', "field 'text' is a number"),
    _jsonl_case("empty text", b'{"id": "e", "text": "  "}', "text is empty"),
    _jsonl_case("text over the size limit", b'{"id": "h", "text": "' + b"war " * 60_000 + b'"}', "over the limit"),
    _jsonl_case("impossible date", b'{"id": "d", "text": "Troops shelled a town.", "date": "2025-02-30"}',
                "is not a real calendar date"),
    _jsonl_case("malformed date", b'{"id": "m", "text": "Troops shelled a town.", "date": "02/01/2025"}',
                "is not YYYY-MM-DD"),
    _jsonl_case("bad language code", b'{"id": "g", "text": "Troops shelled a town.", "lang": "English"}',
                "is not an ISO 639 code"),
]


def bom_jsonl(folder: Path) -> BadInput:
    path = folder / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _line(BEFORE) + _line(AFTER))
    return BadInput("byte-order mark before the first JSONL record", [path, _later(folder)], ALL_GOOD, None)


def duplicate_ids(folder: Path) -> BadInput:
    return BadInput("duplicate ids", _jsonl(folder, "dup", _line({**LATER, "id": "good-before"}).strip()),
                    ALL_GOOD, None, stderr_contains="was used by an earlier record")


def _gz_lines(count: int) -> bytes:
    return gzip.compress(_line(BEFORE) + b"".join(_line({"id": f"r{i}", "text": f"Troops shelled village {i}."})
                                                  for i in range(count)))


def truncated_gzip(folder: Path) -> BadInput:
    whole = _gz_lines(2000)
    path = folder / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    return BadInput("truncated .jsonl.gz", [path, _later(folder)], ["good-before", "good-later"], "truncated")


def not_gzip(folder: Path) -> BadInput:
    path = folder / "plain.jsonl.gz"
    path.write_bytes(_line(BEFORE))
    return BadInput("non-gzip .gz", [path, _later(folder)], ["good-later"], "not a valid gzip file")


def corrupt_gzip(folder: Path) -> BadInput:
    data = bytearray(_gz_lines(200))
    data[len(data) // 2: len(data) // 2 + 64] = b"\x00" * 64
    path = folder / "corrupt.jsonl.gz"
    path.write_bytes(bytes(data))
    return BadInput("corrupt .gz", [path, _later(folder)], ["good-before", "good-later"], "reading stopped")


def csv_invalid_utf8(folder: Path) -> BadInput:
    data = _csv_rows(["id", "text"], [BEFORE["id"], BEFORE["text"]], ["bad", "caf\x00"], [AFTER["id"], AFTER["text"]])
    return BadInput("invalid UTF-8 in a CSV", _csv(folder, "latin", data.replace(b"caf\x00", b"caf\xe9")), ALL_GOOD,
                    "not valid UTF-8")


def csv_unclosed_quote(folder: Path) -> BadInput:
    data = (f'id,text\n{BEFORE["id"]},{BEFORE["text"]}\nq,"Troops shelled a town.\n'
            f'{AFTER["id"]},{AFTER["text"]}\n').encode()
    return BadInput("unclosed quote in a CSV", _csv(folder, "quote", data), ALL_GOOD, "row cannot be parsed")


def csv_bom(folder: Path) -> BadInput:
    data = b"\xef\xbb\xbf" + _csv_rows(["id", "text"], [BEFORE["id"], BEFORE["text"]], [AFTER["id"], AFTER["text"]])
    return BadInput("byte-order mark before the CSV header", _csv(folder, "bom", data), ALL_GOOD, None)


def csv_without_text(folder: Path) -> BadInput:
    data = _csv_rows(["id", "body"], [BEFORE["id"], BEFORE["text"]])
    first = _jsonl(folder, "first", _line({"id": "also-good", "text": "Rebels shelled a town."}).strip())[0]
    return BadInput("CSV missing its text column", [first, *_csv(folder, "notext", data)], ALL_GOOD,
                    "no column 'text'")


def csv_extra_field(folder: Path) -> BadInput:
    data = (f'id,text\n{BEFORE["id"]},{BEFORE["text"]}\nw,Troops shelled a town, officials said.\n'
            f'{AFTER["id"]},{AFTER["text"]}\n').encode()
    return BadInput("unquoted comma in a CSV text", _csv(folder, "wide", data), ALL_GOOD, "fields where the header has")


def _warc(path: Path, pages: int) -> list[int]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    offsets = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number in range(pages):
            html = (f"<html><body><article><p>Troops shelled the village of Number{number} on Monday, killing "
                    f"{number + 2} civilians, residents said.</p><p>The shelling destroyed houses near the "
                    "market, local officials added.</p></article></body></html>").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            offsets.append(handle.tell())
            writer.write_record(writer.create_warc_record(
                f"https://example.org/{number}", "response", payload=io.BytesIO(html), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2025-03-04T10:00:00Z"}))
    return offsets


def corrupt_warc_record(folder: Path) -> BadInput:
    path = folder / "corrupt.warc.gz"
    offsets = _warc(path, 4)
    data = bytearray(path.read_bytes())
    data[offsets[1]: offsets[1] + 12] = b"GARBAGE!!!!!"
    path.write_bytes(bytes(data))
    return BadInput("corrupt WARC record", [path, _later(folder)],
                    ["https://example.org/0", "https://example.org/2", "https://example.org/3", "good-later"],
                    "corrupt WARC record")


def truncated_warc(folder: Path) -> BadInput:
    path = folder / "cut.warc.gz"
    offsets = _warc(path, 4)
    data = path.read_bytes()
    path.write_bytes(data[: (offsets[3] + len(data)) // 2])
    return BadInput("truncated .warc.gz", [path, _later(folder)],
                    ["https://example.org/0", "https://example.org/1", "https://example.org/2", "good-later"],
                    "truncated")


def not_a_warc(folder: Path) -> BadInput:
    path = folder / "fake.warc"
    path.write_bytes(b"this is not a web archive\r\n\r\n")
    return BadInput("file that is no WARC", [path, _later(folder)], ["good-later"], "not a WARC record")


def _folder(folder: Path, name: str) -> Path:
    texts = folder / name
    texts.mkdir()
    (texts / "a-good.txt").write_text(BEFORE["text"])
    (texts / "z-good.txt").write_text(AFTER["text"])
    return texts


def non_utf8_file_name(folder: Path) -> BadInput:
    texts = _folder(folder, "names")
    with open(os.path.join(os.fsencode(texts), b"caf\xe9.txt"), "w") as handle:
        handle.write("Troops shelled a town.")
    return BadInput("non-UTF-8 file name", [texts, _later(folder)], ["a-good.txt", "z-good.txt", "good-later"],
                    "file name is not valid UTF-8")


def link_out_of_folder(folder: Path) -> BadInput:
    (folder / "secret.txt").write_text("Private notes.")
    texts = _folder(folder, "linked")
    (texts / "m-link.txt").symlink_to(folder / "secret.txt")
    return BadInput("symbolic link out of a text folder", [texts, _later(folder)],
                    ["a-good.txt", "z-good.txt", "good-later"], "outside the folder")


def dangling_link(folder: Path) -> BadInput:
    texts = _folder(folder, "dangling")
    (texts / "m-link.txt").symlink_to(folder / "nowhere.txt")
    return BadInput("dangling link in a text folder", [texts, _later(folder)],
                    ["a-good.txt", "z-good.txt", "good-later"], "dangling symbolic link")


def fifo_in_folder(folder: Path) -> BadInput:
    texts = _folder(folder, "fifo")
    os.mkfifo(texts / "m-pipe.txt")
    return BadInput("FIFO in a text folder", [texts, _later(folder)], ["a-good.txt", "z-good.txt", "good-later"],
                    "a FIFO")


def corrupt_parquet(folder: Path) -> BadInput:
    path = folder / "corrupt.parquet"
    path.write_bytes(b"PAR1 not really parquet PAR1")
    return BadInput("corrupt Parquet file", [path, _later(folder)], ["good-later"], "not a readable Parquet file")


def parquet_without_text(folder: Path) -> BadInput:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / "notext.parquet"
    pq.write_table(pa.table({"id": ["p"], "body": ["Troops shelled a town."]}), path)
    return BadInput("Parquet missing its text column", [path, _later(folder)], ["good-later"], "no column 'text'")


def html_without_article(folder: Path) -> BadInput:
    page = "<html><body><script>var gallery = 1;</script><img src='a.jpg'></body></html>"
    return BadInput("HTML page without article text", _jsonl(folder, "empty-page", _line({"id": "p", "text": page}).strip()),
                    ALL_GOOD, "no article text found", extra_arguments=["--html"])


BAD_INPUTS: list[Callable[[Path], BadInput]] = [
    *JSONL_CASES, bom_jsonl, duplicate_ids, truncated_gzip, not_gzip, corrupt_gzip, csv_invalid_utf8,
    csv_unclosed_quote, csv_bom, csv_without_text, csv_extra_field, corrupt_warc_record, truncated_warc, not_a_warc,
    non_utf8_file_name, link_out_of_folder, dangling_link, fifo_in_folder, corrupt_parquet, parquet_without_text,
    html_without_article,
]


def try_bad_input(make: Callable[[Path], BadInput], model: Path, folder: Path) -> dict:
    folder.mkdir()
    case = make(folder)
    output = folder / "out.jsonl"
    command = [sys.executable, "-m", "flashpoint.cli", "score", *map(os.fsdecode, case.inputs), "-o", str(output),
               "--model", str(model), "--no-progress", *case.extra_arguments]
    finished = subprocess.run(command, capture_output=True, text=True, errors="replace")
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    ok = {r["id"] for r in records if r["status"] == "ok"}
    errors = [r["error"] for r in records if r["status"] == "error"]
    expected_exit = 0 if case.error_contains is None else 1
    checks = {
        "exit": finished.returncode == expected_exit,
        "no traceback": "Traceback" not in finished.stderr,
        "good records kept": set(case.good_ids) <= ok,
        "error line": not errors if case.error_contains is None else any(case.error_contains in e for e in errors),
        "warning": case.stderr_contains is None or case.stderr_contains in finished.stderr,
    }
    failed = [name for name, passed in checks.items() if not passed]
    return {"kind": case.name, "handled": not failed, "exit": finished.returncode, "failed_checks": failed,
            "detail": "" if not failed else (finished.stderr.strip()[-300:] + f" errors: {errors[:3]}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/default"))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flashpoint-bad-inputs-") as temporary:
        results = [try_bad_input(make, arguments.model, Path(temporary) / f"case-{number:02d}")
                   for number, make in enumerate(BAD_INPUTS)]
    handled = sum(result["handled"] for result in results)
    print(f"bad-input kinds: {len(results)} tried, {handled} handled")
    for result in results:
        print(f"  {'ok  ' if result['handled'] else 'FAIL'} {result['kind']}"
              + (f" ({', '.join(result['failed_checks'])}): {result['detail']}" if result["detail"] else ""))
    print(f"saved {save('bad_inputs', {'machine': machine(), 'model': str(arguments.model), 'kinds': len(results), 'handled': handled, 'results': results})}")


if __name__ == "__main__":
    main()
