"""What a scoring run keeps on disk between a kill and the next start of the same command.

Files beside ``<output>``:

    <output>.lock              held (flock) while a run writes this output
    <output>.checkpoint.json   the run's identity and progress; exists from the run's
                               first moment to its last, so any kill leaves a resumable run
    <output>.partial           JSONL / CSV being appended to; renamed to <output> when complete
    <output>.parts/            Parquet part files, one per chunk, merged into <output> at the end

A checkpoint names the run it belongs to: the inputs (resolved paths), the model,
the precision, the output format and CSV column mapping, plus a fingerprint of
every input file (size and modification time in nanoseconds) and of the model's
files. A rerun that differs in any of these is refused rather than resumed, so
output scored from two versions of an input or two models is never mixed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flashpoint.durable import write_atomically
from flashpoint.errors import UserError

CHECKPOINT_VERSION = 2
# The model files whose change changes what a run writes.
_MODEL_FILES = ("manifest.json", "ontology.yaml", "tokenizer.json", "thresholds*.json", "onnx/*.onnx")


class RunMismatchError(UserError):
    """The checkpoint beside the output belongs to another run, or its inputs changed since."""


@dataclass(frozen=True)
class RunFiles:
    """The paths a run of ``output`` uses."""

    output: Path

    @property
    def lock(self) -> Path:
        return self._beside(".lock")

    @property
    def checkpoint(self) -> Path:
        return self._beside(".checkpoint.json")

    @property
    def partial(self) -> Path:
        return self._beside(".partial")

    @property
    def parts(self) -> Path:
        return self._beside(".parts")

    def _beside(self, suffix: str) -> Path:
        return self.output.with_name(self.output.name + suffix)


def _stat_entry(path: Path) -> list:
    try:
        status = path.stat()
    except OSError:
        return ["missing"]
    return [status.st_size, status.st_mtime_ns]


def fingerprint(path: Path) -> dict[str, list]:
    """Size and mtime of ``path``, or of every file under it when it is a folder.

    A folder's fingerprint covers all its files, not only those a reader takes, so
    that any change in it is seen (a rerun refused for nothing beats output mixed
    from two versions).
    """
    if not path.is_dir():
        return {"": _stat_entry(path)}
    entries: dict[str, list] = {}
    for root, directories, files in os.walk(path):
        directories.sort()
        for name in sorted(files):
            file = Path(root) / name
            entries[str(file.relative_to(path))] = _stat_entry(file)
    return entries


def model_fingerprint(model_dir: Path) -> dict[str, list]:
    entries: dict[str, list] = {}
    for pattern in _MODEL_FILES:
        for file in sorted(model_dir.glob(pattern)):
            entries[str(file.relative_to(model_dir))] = _stat_entry(file)
    return entries


@dataclass(frozen=True)
class RunIdentity:
    """Everything that decides what a run writes, compared before a checkpoint is reused."""

    inputs: list[str]
    model: str
    precision: str
    output_format: str
    columns: list
    input_fingerprints: list[dict[str, list]]
    model_fingerprint: dict[str, list]
    mode: str = "spans"  # output mode; checkpoints written before modes existed were spans runs

    @classmethod
    def of(cls, inputs: list[Path], model_dir: Path, precision: str, output_format: str, columns: list,
           mode: str = "spans") -> "RunIdentity":
        return cls(inputs=[str(p.resolve()) for p in inputs], model=str(model_dir.resolve()), precision=precision,
                   output_format=output_format, columns=list(columns),
                   input_fingerprints=[fingerprint(p) for p in inputs], model_fingerprint=model_fingerprint(model_dir),
                   mode=mode)

    def check_resumable_by(self, saved: dict, checkpoint: Path) -> None:
        """Raise :class:`RunMismatchError` saying why ``saved`` cannot be continued by this run."""
        hint = f"use --force to discard it and start over (or remove {checkpoint})"
        if saved.get("version") != CHECKPOINT_VERSION:
            raise RunMismatchError(f"{checkpoint} was written by another flashpoint version; {hint}")
        for key, label in (("inputs", "inputs"), ("model", "model"), ("precision", "precision"),
                           ("output_format", "output format"), ("columns", "CSV columns")):
            if saved.get(key) != getattr(self, key):
                raise RunMismatchError(f"{checkpoint} belongs to a run with other {label} "
                                       f"({saved.get(key)} instead of {getattr(self, key)}); {hint}")
        if saved.get("mode", "spans") != self.mode:
            raise RunMismatchError(f"{checkpoint} belongs to a run with another output mode "
                                   f"({saved.get('mode', 'spans')} instead of {self.mode}); {hint}")
        for name, before, now in zip(self.inputs, saved["input_fingerprints"], self.input_fingerprints):
            if before != now:
                changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
                where = name if changed == [""] else f"{name} ({', '.join(changed[:3])}{', ...' if len(changed) > 3 else ''})"
                raise RunMismatchError(
                    f"input {where} changed since the interrupted run ({saved['documents']} documents already "
                    f"scored from its earlier version); resuming would mix two versions: {hint}")
        if saved.get("model_fingerprint") != self.model_fingerprint:
            raise RunMismatchError(f"the model {self.model} changed since the interrupted run; {hint}")


@dataclass
class RunState:
    """The checkpoint: a run's identity and how far it got.

    ``phase`` is "scoring" while chunks are written, "finishing" once every record is
    written (the output is being put in place), and "complete" once it is.
    """

    identity: RunIdentity
    phase: str = "scoring"
    documents: int = 0
    bytes: int = 0
    parts: int = 0
    sentences: int = 0
    events: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def save(self, path: Path) -> None:
        record = {"version": CHECKPOINT_VERSION, **asdict(self.identity),
                  **{k: v for k, v in asdict(self).items() if k != "identity"}}
        write_atomically(path, json.dumps(record).encode())

    @classmethod
    def load(cls, path: Path, identity: RunIdentity) -> "RunState":
        """The saved state of ``path`` if ``identity`` may continue it, else :class:`RunMismatchError`."""
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise RunMismatchError(f"{path} is not a readable checkpoint; use --force to start over") from None
        if not isinstance(saved, dict):
            raise RunMismatchError(f"{path} is not a readable checkpoint; use --force to start over")
        identity.check_resumable_by(saved, path)
        progress = {k: saved[k] for k in ("phase", "documents", "bytes", "parts", "sentences", "events", "errors",
                                          "error_examples")}
        return cls(identity=identity, **progress)
