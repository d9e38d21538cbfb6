"""Training-side commands, registered onto the ``flashpoint`` CLI via an entry point.

Each command is a thin wrapper over a plain function (spaCy's habit): ``train``
over :func:`flashpoint.training.train.train`, ``evaluate`` over
:func:`flashpoint.training.evaluate.evaluate_records`, and so on. Heavy imports
happen inside the commands so that ``flashpoint --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

DEFAULT_ONTOLOGY = Path("configs/ontology/conflict.yaml")
corpus_app = typer.Typer(no_args_is_help=True, help="Validate, summarise and build the annotated corpus.")


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command()(evaluate)
    app.command()(export)
    app.command(name="model-card")(model_card)
    app.command(name="evaluate-records")(evaluate_records_command)
    app.add_typer(corpus_app, name="corpus")


def train(
    config: Annotated[Path, typer.Argument(help="YAML config")],
    output: Annotated[Path, typer.Option("-o", "--output", help="model directory to write")],
    overrides: Annotated[Optional[list[str]], typer.Option("--set", help="dotted override, e.g. training.epochs=2")] = None,
    progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
) -> None:
    """Train a model from a config; writes weights, ONNX export, thresholds and metrics."""
    from flashpoint.training.config import load_config
    from flashpoint.training.staging import check_destination

    resolved = load_config(config, overrides or [])  # a bad config or -o is refused before torch is imported
    check_destination(output)
    from flashpoint.training.train import train as run_training

    directory = run_training(resolved, output, progress=progress)
    metrics_path = directory / "metrics.json"
    typer.echo(f"model written to {directory}")
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text())
        if "test" in metrics:
            precision = "int8" if "int8" in metrics["test"] else "fp32"
            test = metrics["test"][precision]
            typer.echo(f"test ({precision}): type micro-F1 {test['types']['micro']['f1']:.3f}, "
                       f"argument exact F1 {test['arguments']['end_to_end']['exact']['all']['f1']:.3f}")


def evaluate_records_command(
    model: Annotated[Path, typer.Argument(help="model directory")],
    gold: Annotated[list[Path], typer.Argument(help="gold <lang>.jsonl files or folders (data/gold)")],
    precision: Annotated[str, typer.Option(help="int8 (default) or fp32 ONNX graphs")] = "int8",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="write the report as JSON here")] = None,
    store: Annotated[bool, typer.Option(help="store the report in the model's metrics.json under `records` "
                                              "(read by `flashpoint model-card`)")] = False,
) -> None:
    """Records mode on the gold set: record P/R/F1 and field accuracies, overall and per language,
    end to end and with the normalisers alone on gold spans."""
    from flashpoint.training.records_eval import evaluate_event_records, format_report
    from flashpoint.training.records_gold import GoldError

    for path in gold:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="GOLD")
    try:
        report = evaluate_event_records(model, gold, precision=precision)
    except GoldError as error:
        typer.echo(f"error: invalid gold set:\n{error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(format_report(report))
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"report written to {output}")
    if store:
        metrics_path = model / "metrics.json"
        metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
        from flashpoint.normalise import resource_versions

        metrics["records"] = {"gold": " ".join(str(p) for p in gold), "precision": precision,
                              "resources": resource_versions(), **report}
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"stored under `records` in {metrics_path}")


def evaluate(
    model: Annotated[Path, typer.Argument(help="model directory")],
    data: Annotated[list[Path], typer.Argument(help="corpus files or directories")],
    split: Annotated[Optional[str], typer.Option(help="only records of this split")] = "test",
    backend: Annotated[str, typer.Option(help="onnx-int8, onnx-fp32 or torch")] = "onnx-int8",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="folder for metrics.json and the PNG")] = None,
    into_model: Annotated[bool, typer.Option(help="re-measure every exported precision on the test split and "
                                                  "store it in the model's own metrics.json (after a decoder change)")] = False,
) -> None:
    """Per-type P/R/F1, averages, argument span F1 per role and per language, confusion PNG."""
    from flashpoint.training.corpus.loading import read_records
    from flashpoint.training.evaluate import evaluate_records, format_report, plot_confusion, write_metrics

    records = read_records(data)
    if into_model:
        from flashpoint.model_dir import read_manifest
        from flashpoint.training.train import refresh_metrics

        graphs = read_manifest(model)["onnx"]
        refresh_metrics(model, {"test": [r for r in records if r["split"] == "test"]}, graphs)
        typer.echo(f"updated {model / 'metrics.json'} (test split, {', '.join(graphs)})")
        return
    if split:
        records = [r for r in records if r["split"] == split]
    if not records:
        typer.echo(f"no records{' in split ' + split if split else ''} under {', '.join(map(str, data))}", err=True)
        raise typer.Exit(2)
    pipeline = _pipeline(model, backend)
    metrics = evaluate_records(pipeline, records)
    title = f"{model} on {split or 'all'} ({backend})"
    typer.echo(format_report(metrics, title))
    folder = output or model / "evaluation"
    folder.mkdir(parents=True, exist_ok=True)
    write_metrics(metrics, folder / "metrics.json")
    plot_confusion(metrics["confusion"], folder / "confusion.png", title)
    typer.echo(f"wrote {folder / 'metrics.json'} and {folder / 'confusion.png'}")


def _pipeline(model: Path, backend: str):
    if backend.startswith("onnx-"):
        from flashpoint.runtime import load

        return load(model, precision=backend.removeprefix("onnx-")).pipeline
    if backend == "torch":
        from flashpoint.model_dir import read_ontology, read_thresholds
        from flashpoint.pipeline import Pipeline
        from flashpoint.tokenization import WindowTokenizer
        from flashpoint.training.model import TorchBackend
        from flashpoint.training.train import load_torch_model

        torch_model, manifest = load_torch_model(model)
        return Pipeline(TorchBackend(torch_model), WindowTokenizer.from_model_dir(model, manifest),
                        read_ontology(model, manifest), read_thresholds(model))
    raise typer.BadParameter(f"unknown backend {backend!r}: use onnx-int8, onnx-fp32 or torch")


def export(
    model: Annotated[Path, typer.Argument(help="model directory")],
) -> None:
    """(Re-)export a trained model: ONNX fp32, int8 chosen on dev, test metrics refreshed.

    The quantisation plan and the int8 thresholds are chosen on the dev split of the
    corpus named in the model's config.yaml, as at the end of training."""
    from flashpoint.training.train import reexport

    graphs = reexport(model)
    plan = graphs.get("int8", {}).get("plan")
    typer.echo(f"exported {', '.join(graphs)} graphs to {model / 'onnx'}" + (f" (int8 plan: {plan})" if plan else ""))


def model_card(
    model: Annotated[Path, typer.Argument(help="model directory with metrics.json")],
    card: Annotated[Path, typer.Option(help="markdown file whose metrics block is regenerated")] = Path("model_card.md"),
) -> None:
    """Regenerate the metrics table of the model card from the model's metrics.json."""
    from flashpoint.training.model_card import update_model_card

    update_model_card(model, card)
    typer.echo(f"updated the metrics section of {card} from {model / 'metrics.json'}")


@corpus_app.command("validate")
def corpus_validate(
    paths: Annotated[list[Path], typer.Argument(help="corpus files or directories")],
    ontology: Annotated[Path, typer.Option(help="ontology YAML")] = DEFAULT_ONTOLOGY,
) -> None:
    """Check offsets, ids, types, roles, language, duplicates and near-duplicates across splits."""
    from flashpoint.ontology import Ontology
    from flashpoint.training.corpus.loading import read_documents, read_records
    from flashpoint.training.corpus.validate import validate_records

    records = read_records(paths)
    problems = validate_records(records, Ontology.from_yaml(ontology), read_documents(paths))
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {len(records)} records", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(records)} records valid")


@corpus_app.command("stats")
def corpus_stats_command(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="corpus files or directories")] = None,
    ontology: Annotated[Path, typer.Option(help="ontology YAML")] = DEFAULT_ONTOLOGY,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Counts per event type x language x split, and the balance figures."""
    from flashpoint.ontology import Ontology
    from flashpoint.training.corpus.loading import read_records
    from flashpoint.training.corpus.stats import corpus_stats, format_stats

    stats = corpus_stats(read_records(paths or [Path("data/corpus")]), Ontology.from_yaml(ontology))
    typer.echo(json.dumps(stats, indent=2) if as_json else format_stats(stats))


@corpus_app.command("card")
def corpus_card(
    corpus: Annotated[Path, typer.Argument(help="corpus folder")] = Path("data/corpus"),
    agreement: Annotated[Path, typer.Option(help="agreement.json of the second pass")] = Path("data/agreement/agreement.json"),
    card: Annotated[Path, typer.Option(help="the corpus card to update")] = Path("data/CARD.md"),
    ontology: Annotated[Path, typer.Option(help="ontology YAML")] = DEFAULT_ONTOLOGY,
) -> None:
    """Regenerate the counts and agreement figures of the corpus card."""
    from flashpoint.ontology import Ontology
    from flashpoint.training.corpus.card import update_card

    update_card(corpus, agreement, card, Ontology.from_yaml(ontology))
    typer.echo(f"updated {card}")


@corpus_app.command("build")
def corpus_build(
    shards: Annotated[Path, typer.Argument(help="folder of <lang>/<batch>.jsonl shard files")] = Path("data/shards"),
    output: Annotated[Path, typer.Option("-o", "--output")] = Path("data/corpus"),
    ontology: Annotated[Path, typer.Option(help="ontology YAML")] = DEFAULT_ONTOLOGY,
) -> None:
    """Turn inline-markup shards into corpus record files, splits assigned per batch."""
    from flashpoint.ontology import Ontology
    from flashpoint.training.corpus.build import build_corpus
    from flashpoint.training.corpus.markup import MarkupError

    try:
        counts = build_corpus(shards, output, Ontology.from_yaml(ontology))
    except MarkupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"built {sum(counts.values())} records: {counts}")
