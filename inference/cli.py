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
    engine: Annotated[str, typer.Option(help="local (this machine) or ray (a Ray cluster; the distributed extra)")] = "local",
    address: Annotated[Optional[str], typer.Option(help="[ray] cluster address (default: RAY_ADDRESS, else a local cluster)")] = None,
    actors: Annotated[Optional[int], typer.Option(min=1, help="[ray] scoring actors (default: the cluster's CPUs / --actor-cpus)")] = None,
    actor_cpus: Annotated[int, typer.Option(min=1, help="[ray] CPUs (ONNX Runtime threads) per actor")] = 1,
    shard_records: Annotated[int, typer.Option(min=1, help="[ray] records per input shard, the unit of commit")] = 1000,
    parts_format: Annotated[str, typer.Option(help="[ray] part format when -o is a directory: jsonl, csv or parquet")] = "jsonl",
    ship_model: Annotated[bool, typer.Option(help="[ray] send the model to each node (else it must be at the same path on every node)")] = False,
    records: Annotated[bool, typer.Option("--records", help="one row per merged event, ACLED's columns")] = False,
    normalise: Annotated[bool, typer.Option("--normalise", help="JSONL score contract with normalised values "
                                                                 "beside the spans and each document's records")] = False,
) -> None:
    """Score archives into one output record per input record; rerun the same command to resume."""
    from flashpoint.model_dir import resolve_model_dir
    from flashpoint.readers import ColumnMapping
    from flashpoint.scoring import requested_mode, score_archive

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"unknown engine {engine!r} (use local or ray)", param_hint="--engine")
    columns = ColumnMapping(id_column, text_column, date_column, lang_column, html)
    if engine == "ray":
        _score_on_ray(inputs, output, model, address=address, actors=actors, actor_cpus=actor_cpus,
                      precision=precision, chunk_size=chunk_size, records_per_shard=shard_records, columns=columns,
                      parts_format=parts_format, ship_model=ship_model, force=force, progress=progress,
                      mode=requested_mode(records, normalise))
    summary = score_archive(
        inputs, output, resolve_model_dir(model), workers=workers, precision=precision, chunk_size=chunk_size,
        columns=columns, force=force, progress=progress, records=records, normalise=normalise,
    )
    typer.echo(f"summary: {summary.format()}", err=True)
    for example in summary.error_examples:
        typer.echo(f"  failed record {example}", err=True)
    raise typer.Exit(1 if summary.errors else 0)


def _score_on_ray(inputs: list[Path], output: Path, model: Path | None, **options) -> None:
    """``score --engine ray``: the Ray engine is imported here only, so ray stays optional."""
    import os

    from flashpoint.model_dir import resolve_model_dir

    address = options.get("address") or os.environ.get("RAY_ADDRESS") or ""
    if address.split(":")[0] in ("", "127.0.0.1", "localhost"):
        # A cluster on this machine alone: Ray would otherwise bind its services to the
        # machine's network address; this keeps them on the loopback interface.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        from flashpoint.engines.ray_engine import ClusterError, score_on_ray
    except ImportError as error:
        if error.name is None or error.name.split(".")[0] != "ray":
            raise
        typer.echo("error: --engine ray needs Ray: pip install 'flashpoint[distributed]'", err=True)
        raise typer.Exit(2) from None
    from flashpoint.model_dir import ModelDirError
    from flashpoint.parts import PartsError
    from flashpoint.sharding import ShardChangedError

    for path in inputs:
        if not path.exists():
            raise UserError(f"input {path} does not exist")
    try:
        summary = score_on_ray(inputs, output, resolve_model_dir(model), **options)
    except (PartsError, ClusterError, ModelDirError, ShardChangedError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"summary: {summary.format()}", err=True)
    typer.echo(f"output: {summary.output}", err=True)
    for example in summary.error_examples:
        typer.echo(f"  failed record {example}", err=True)
    raise typer.Exit(1 if summary.errors else 0)


@app.command()
def merge(
    parts: Annotated[Path, typer.Argument(help="the output directory of `flashpoint score --engine ray`")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the single file to make (same format as the parts)")],
    force: Annotated[bool, typer.Option(help="overwrite an existing output")] = False,
) -> None:
    """Merge a distributed run's part files, in input order, into one file."""
    from flashpoint.parts import PartsError, merge_parts

    if output.exists() and not force:
        typer.echo(f"error: {output} exists; use --force to overwrite it", err=True)
        raise typer.Exit(2)
    try:
        totals = merge_parts(parts, output)
    except (PartsError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"merged {totals.documents} documents ({totals.events} events, {totals.errors} errors) into {output}", err=True)


@app.command()
def extract(
    text: Annotated[Optional[str], typer.Argument(help="text to read (default: standard input)")] = None,
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help=MODEL_HELP)] = None,
    lang: Annotated[Optional[str], typer.Option()] = None,
    date: Annotated[Optional[str], typer.Option()] = None,
    normalise: Annotated[bool, typer.Option("--normalise", help="add normalised values and the records")] = False,
) -> None:
    """Print the events of one text as JSON."""
    from flashpoint.model_dir import resolve_model_dir
    from flashpoint.runtime import load

    extractor = load(resolve_model_dir(model))
    document = extractor.extract(text if text is not None else sys.stdin.read(), date=date, lang=lang)
    output = extractor.normalised(document) if normalise else document.to_dict()
    typer.echo(json.dumps(output, ensure_ascii=False, indent=2))


@app.command()
def show(
    scored: Annotated[Path, typer.Argument(help="a .jsonl, .csv or .parquet written by `flashpoint score` "
                                               "(records: .jsonl or .parquet of `score --records`)")],
    event_type: Annotated[Optional[list[str]], typer.Option("--type", "-t", help="only events of this type (repeatable)")] = None,
    lang: Annotated[Optional[list[str]], typer.Option("--lang", "-l", help="only documents in this language (repeatable)")] = None,
    min_score: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="only events scoring at least this")] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help="print at most this many documents (records)")] = None,
) -> None:
    """Print a score output as an analyst reads it, filtered as asked: records (date, place,
    who did what to whom, fatalities, evidence) from `score --records`, else each document's events."""
    from flashpoint.browse import ShowFilter, format_document, read_scored
    from flashpoint.show import is_records_output

    if scored.is_file() and is_records_output(scored):
        _show_records(scored, frozenset(event_type or ()), frozenset(lang or ()), min_score, limit)
        return
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


def _show_records(scored: Path, types: frozenset[str], languages: frozenset[str], min_score: float | None,
                  limit: int | None) -> None:
    from flashpoint.show import format_record, read_record_rows, record_selected

    shown = total = 0
    for row in read_record_rows(scored):
        if isinstance(row, str):  # a line that is no record: named, and the rest is still shown
            typer.echo(f"\n# {row}", err=True)
            continue
        total += 1
        if not record_selected(row, types, languages, min_score) or (limit is not None and shown >= limit):
            continue
        shown += 1
        typer.echo(format_record(row))
    typer.echo(f"{shown} of {total} records shown", err=True)


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
