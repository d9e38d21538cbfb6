"""Reading the corpus: JSONL record files into a ``datasets.Dataset`` or plain dicts."""

from __future__ import annotations

import json
from pathlib import Path

from flashpoint.errors import UserError

DOCUMENTS_FILE = "documents.jsonl"


class CorpusPathError(UserError):
    """A corpus path that does not exist or holds no record files."""


def corpus_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and directories into the sorted list of record files they hold."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.jsonl")) if p.name != DOCUMENTS_FILE)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusPathError(f"corpus path {path} does not exist")
    if not files:
        raise CorpusPathError(f"no .jsonl record files under {', '.join(map(str, paths))}")
    return files


def _read_jsonl(file: Path) -> list[dict]:
    """Objects of a JSONL file, each with ``_source`` (file:line) for error messages."""
    items: list[dict] = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                item = json.loads(line)
                item["_source"] = f"{file}:{number}"
                items.append(item)
    return items


def read_records(paths: list[str | Path]) -> list[dict]:
    """Records as dicts, each with ``_source`` (file:line) for error messages."""
    return [record for file in corpus_files(paths) for record in _read_jsonl(file)]


def load_dataset(paths: list[str | Path]):
    """The corpus as a Hugging Face ``datasets.Dataset`` (for users' own analysis)."""
    import datasets

    return datasets.load_dataset(
        "json", data_files=[str(f) for f in corpus_files(paths)], split="train"
    )


def read_documents(paths: list[str | Path]) -> list[dict]:
    """Article metadata from every ``documents.jsonl`` found under ``paths``."""
    documents: list[dict] = []
    for path in map(Path, paths):
        for file in sorted(path.rglob(DOCUMENTS_FILE)) if path.is_dir() else []:
            documents.extend(_read_jsonl(file))
    return documents
