"""The ``flashpoint`` command line.

The runtime commands (``score``, ``extract``) live here and need no training
stack. Training commands (``train``, ``evaluate``, ``export``, ``corpus``,
``model-card``) are plugged in through the ``flashpoint.cli`` entry-point group
by the training package, so this module never imports it.
"""

from __future__ import annotations

import json
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Conflict-event extraction from news.")


@app.command()
def score(
    inputs: Annotated[list[Path], typer.Argument(help="JSONL[.gz], CSV[.gz], WARC[.gz] files or folders of .txt")],
    output: Annotated[Path, typer.Option("-o", "--output", help="output .jsonl, .csv or .parquet")],
    model: Annotated[Path, typer.Option("--model", "-m", help="model directory")] = Path("models/default"),
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    precision: Annotated[str, typer.Option(help="int8 (default) or fp32 ONNX graphs")] = "int8",
    chunk_size: Annotated[int, typer.Option(min=1, help="documents per chunk (and per checkpoint)")] = 64,
    id_column: Annotated[str, typer.Option(help="CSV column with the document id")] = "id",
    text_column: Annotated[str, typer.Option(help="CSV column with the text")] = "text",
    date_column: Annotated[Optional[str], typer.Option(help="CSV column with the publication date")] = "date",
    lang_column: Annotated[Optional[str], typer.Option(help="CSV column with the language")] = "lang",
    force: Annotated[bool, typer.Option(help="overwrite an existing output")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    records: Annotated[bool, typer.Option("--records", help="one row per merged event, ACLED's columns")] = False,
    normalise: Annotated[bool, typer.Option("--normalise", help="JSONL score contract with normalised values "
                                                                 "beside the spans and each document's records")] = False,
) -> None:
    """Score archives into one output record per input record; rerun to resume."""
    from flashpoint.readers import ColumnMapping
    from flashpoint.scoring import OutputExistsError, score_archive

    for path in inputs:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="INPUTS")
    try:
        summary = score_archive(
            inputs, output, model, workers=workers, precision=precision, chunk_size=chunk_size,
            columns=ColumnMapping(id_column, text_column, date_column, lang_column), force=force, progress=progress, records=records,
            normalise=normalise,
        )
    except (OutputExistsError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"summary: {summary.format()}", err=True)
    for example in summary.error_examples:
        typer.echo(f"  failed record {example}", err=True)
    raise typer.Exit(1 if summary.errors else 0)


@app.command()
def extract(
    text: Annotated[Optional[str], typer.Argument(help="text to read (default: standard input)")] = None,
    model: Annotated[Path, typer.Option("--model", "-m")] = Path("models/default"),
    lang: Annotated[Optional[str], typer.Option()] = None,
    date: Annotated[Optional[str], typer.Option()] = None,
    normalise: Annotated[bool, typer.Option("--normalise", help="add normalised values and the records")] = False,
) -> None:
    """Print the events of one text as JSON."""
    from flashpoint.runtime import load

    extractor = load(model)
    document = extractor.extract(text if text is not None else sys.stdin.read(), date=date, lang=lang)
    output = extractor.normalised(document) if normalise else document.to_dict()
    typer.echo(json.dumps(output, ensure_ascii=False, indent=2))


@app.command()
def show(
    scored: Annotated[Path, typer.Argument(help="a .jsonl written by `flashpoint score` (with or without --records)")],
) -> None:
    """Print a score output as an analyst reads it: records (date, place, who did what to whom,
    fatalities, evidence) from `score --records`, else the events of each document."""
    from flashpoint.show import format_document, format_record

    with scored.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = format_record(row) if "event_id_cnty" in row else format_document(row)
            except (ValueError, KeyError, TypeError) as error:
                typer.echo(f"\n# {scored}:{number}: not a score output line ({type(error).__name__}: {error})", err=True)
                continue
            typer.echo(text)


def _register_plugins() -> None:
    for entry_point in entry_points(group="flashpoint.cli"):
        try:
            register = entry_point.load()
        except ImportError as error:  # training extra not installed: its commands are simply absent
            logging.getLogger(__name__).debug("flashpoint plugin %s unavailable: %s", entry_point.name, error)
            continue
        register(app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _register_plugins()
    app()


if __name__ == "__main__":
    main()
