"""The ``flashpoint`` command line.

The runtime commands (``score``, ``extract``, ``show``) live here and need no
training stack. Training commands (``train``, ``evaluate``, ``export``,
``corpus``, ``model-card``) are plugged in through the ``flashpoint.cli``
entry-point group by the training package, so this module never imports it.

Every command reports a user's mistake (a missing file, an unknown format, a wrong
model directory, a malformed config) as one ``error:`` line and exit status 2,
never as a traceback: see :func:`main`. ``FLASHPOINT_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Optional

import typer

from flashpoint.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Conflict-event extraction from news.",
                  pretty_exceptions_enable=False)
MODEL_HELP = "model directory (default: $FLASHPOINT_MODEL, else ./models/default)"
USER_ERROR_EXIT = 2


@app.command()
def score(
    inputs: Annotated[list[Path], typer.Argument(help="JSONL[.gz], CSV[.gz], Parquet, WARC[.gz], .html files or folders of .txt")],
    output: Annotated[Path, typer.Option("-o", "--output", help="output .jsonl, .csv or .parquet")],
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help=MODEL_HELP)] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    precision: Annotated[str, typer.Option(help="int8 (default) or fp32 ONNX graphs")] = "int8",
    chunk_size: Annotated[int, typer.Option(min=1, help="documents per chunk (and per checkpoint)")] = 64,
    id_column: Annotated[str, typer.Option(help="CSV/Parquet column with the document id")] = "id",
    text_column: Annotated[str, typer.Option(help="CSV/Parquet column with the text")] = "text",
    date_column: Annotated[Optional[str], typer.Option(help="CSV/Parquet column with the publication date")] = "date",
    lang_column: Annotated[Optional[str], typer.Option(help="CSV/Parquet column with the language")] = "lang",
    html: Annotated[Optional[bool], typer.Option("--html/--no-html", help="JSONL/CSV/Parquet texts are HTML pages: "
                    "keep their article text (default: texts that are plainly HTML are cleaned, with a warning)")] = None,
    force: Annotated[bool, typer.Option(help="start over, replacing an existing output")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Score archives into one output record per input record; rerun the same command to resume."""
    from flashpoint.model_dir import resolve_model_dir
    from flashpoint.readers import ColumnMapping
    from flashpoint.scoring import score_archive

    summary = score_archive(
        inputs, output, resolve_model_dir(model), workers=workers, precision=precision, chunk_size=chunk_size,
        columns=ColumnMapping(id_column, text_column, date_column, lang_column, html), force=force,
        progress=progress,
    )
    typer.echo(f"summary: {summary.format()}", err=True)
    for example in summary.error_examples:
        typer.echo(f"  failed record {example}", err=True)
    raise typer.Exit(1 if summary.errors else 0)


@app.command()
def extract(
    text: Annotated[Optional[str], typer.Argument(help="text to read (default: standard input)")] = None,
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help=MODEL_HELP)] = None,
    lang: Annotated[Optional[str], typer.Option()] = None,
    date: Annotated[Optional[str], typer.Option()] = None,
) -> None:
    """Print the events of one text as JSON."""
    from flashpoint.model_dir import resolve_model_dir
    from flashpoint.runtime import load

    extractor = load(resolve_model_dir(model))
    document = extractor.extract(text if text is not None else sys.stdin.read(), date=date, lang=lang)
    typer.echo(json.dumps(document.to_dict(), ensure_ascii=False, indent=2))


@app.command()
def show(
    scored: Annotated[Path, typer.Argument(help="a .jsonl, .csv or .parquet written by `flashpoint score`")],
    event_type: Annotated[Optional[list[str]], typer.Option("--type", "-t", help="only events of this type (repeatable)")] = None,
    lang: Annotated[Optional[list[str]], typer.Option("--lang", "-l", help="only documents in this language (repeatable)")] = None,
    min_score: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="only events scoring at least this")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="print at most this many documents")] = None,
) -> None:
    """Print the events of a score output, one block per document, filtered as asked."""
    from flashpoint.browse import ShowFilter, format_document, read_scored

    selection = ShowFilter(frozenset(event_type or ()), frozenset(lang or ()), min_score)
    shown = events = total = 0
    for document in read_scored(scored):
        total += 1
        kept = selection.apply(document)
        if kept is None or (limit is not None and shown >= limit):
            continue
        shown += 1
        events += len(kept.events)
        typer.echo(format_document(kept) + "\n")
    typer.echo(f"{shown} of {total} documents shown, {events} event{'s' if events != 1 else ''}", err=True)


def _register_plugins() -> None:
    for entry_point in entry_points(group="flashpoint.cli"):
        try:
            register = entry_point.load()
        except ImportError as error:  # training extra not installed: its commands are simply absent
            logging.getLogger(__name__).debug("flashpoint plugin %s unavailable: %s", entry_point.name, error)
            continue
        register(app)


def user_error_message(error: BaseException) -> str | None:
    """The one line to print for a user's mistake, or None for a defect (which keeps its traceback)."""
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, UnicodeDecodeError):
        return f"a file is not valid UTF-8 ({error.reason} at byte {error.start})"
    yaml = sys.modules.get("yaml")
    if yaml is not None and isinstance(error, yaml.YAMLError):
        from flashpoint.errors import describe_yaml_error

        return describe_yaml_error(error)
    return None


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _register_plugins()
    try:
        app()
    except Exception as error:
        message = user_error_message(error)
        if message is None or os.environ.get("FLASHPOINT_DEBUG"):
            raise
        typer.echo(f"error: {message}", err=True)
        sys.exit(USER_ERROR_EXIT)

if __name__ == "__main__":
    main()
