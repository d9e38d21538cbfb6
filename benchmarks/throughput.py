"""Inference speed, side by side, on the same fine-tuned model and the same sentences.

    python benchmarks/throughput.py [--model models/default] [--sentences 2000] [--repeats 5]

(a) plain transformers/PyTorch fp32: the saved model, a Hugging Face fast tokenizer
    padding each batch of 32 in input order, then the tagger for every type that
    passes its threshold: what a user would write with the training stack.
(b) the flashpoint runtime: ONNX Runtime int8 with length-bucketed batches and
    dynamic padding, through the same pipeline that `flashpoint score` uses.
Both do types and arguments. Each runs in its own child process, so that the cold
start (import + load) and the peak RSS of each are measured cleanly. The two children
then take turns: a timed pass of (a), a timed pass of (b), --repeats times, and each
side reports its median pass. The shared 2-core machine's speed drifts by +-10% from
minute to minute; alternating the passes makes the drift fall on both sides alike
instead of on whichever side ran second. The held-out sentences are the corpus dev
and test splits (all languages), at least --sentences.
Also reports documents/s of `flashpoint score` on the shipped sample archive.

    python benchmarks/throughput.py --records [--model models/default] [--sentences 2000] [--repeats 5]

Records mode (issue 12): the same documents (the gold articles, data/gold, with their
publication dates and languages, cycled to at least --sentences sentences) through the
runtime twice, in two child processes taking turns as above: "spans" does what
`flashpoint score` does by default (pipeline, then the score contract of each
document); "records" does what `score --records` does (the same, then normalisers,
document merge and typed records). Reports both sentences/s, the overhead of records
mode, and each side's cold start: import, model load and the first document through
its chain, reported as load + first document (for records the first document
includes importing dateparser, opening the gazetteer index and compiling the actor
dictionary; the index itself is built once per version into the cache and is
expected to be there, as after any first use).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, machine, save


def held_out_sentences(n: int) -> list[str]:
    from flashpoint.training.corpus.loading import read_records

    records = [r for r in read_records([REPO / "data/corpus"]) if r["split"] in ("test", "dev")]
    records.sort(key=lambda r: (r["split"] != "test", r["id"]))
    texts = [r["text"] for r in records]
    if not texts:
        sys.exit("no dev/test records under data/corpus")
    while len(texts) < n:  # a small corpus is cycled to reach n; the full corpus has more
        texts += texts[: n - len(texts)]
    return texts


def time_pass(one_pass, n_sentences: int) -> dict:
    """One timed pass: sentences/s and the events it found (a check that both sides did the work)."""
    begin = time.time()
    events = one_pass()
    return {"sentences_per_s": n_sentences / (time.time() - begin), "events": int(events)}


def load_torch(model_dir: str, texts: list[str], batch_size: int):
    """Load the PyTorch side; return its one-pass function."""
    import torch
    from transformers import PreTrainedTokenizerFast

    from flashpoint.model_dir import read_thresholds
    from flashpoint.training.train import load_torch_model

    torch.set_num_threads(2)
    model, manifest = load_torch_model(model_dir)
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=f"{model_dir}/tokenizer.json", bos_token="<s>", eos_token="</s>",
                                        pad_token="<pad>", unk_token="<unk>")
    tokenizer.model_max_length = manifest["tokenizer"]["max_length"]
    stored = read_thresholds(Path(model_dir))
    thresholds = torch.tensor([stored[t] for t in manifest["labels"]["types"]])

    def one_pass() -> int:
        events = 0
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = tokenizer(texts[i : i + batch_size], padding=True, truncation=True, return_tensors="pt")
                logits, states = model.encode(batch["input_ids"], batch["attention_mask"])
                rows, types = torch.nonzero(torch.sigmoid(logits) >= thresholds, as_tuple=True)
                if len(rows):
                    model.tag(states[rows], batch["attention_mask"][rows], types).argmax(-1)
                events += len(rows)
        return int(events)

    return one_pass


def load_runtime(model_dir: str, texts: list[str], batch_size: int):
    """Load the flashpoint runtime; return its one-pass function."""
    import flashpoint

    extractor = flashpoint.load(model_dir, batch_size=batch_size)

    def one_pass() -> int:
        _, arguments = extractor.pipeline.score_sentences(texts)
        return sum(len(per_type) for per_type in arguments)

    return one_pass


def gold_documents(model_dir: str, n: int) -> list[dict]:
    """The gold articles as score inputs (id, text, date, lang), cycled to at least ``n`` sentences."""
    from flashpoint.model_dir import read_manifest, read_ontology
    from flashpoint.training.records_eval import article_text
    from flashpoint.training.records_gold import load_gold

    ontology = read_ontology(Path(model_dir), read_manifest(Path(model_dir)))
    articles = load_gold([REPO / "data/gold"], ontology)
    one_round = [({"id": a.doc_id, "text": article_text(a)[0], "date": a.article.date, "lang": a.article.lang},
                  len(a.parsed)) for a in articles]
    documents, sentences, copy = [], 0, 0
    while sentences < n:
        for document, count in one_round:
            documents.append({**document, "id": f"{document['id']}#{copy}"})
            sentences += count
        copy += 1
    return documents


def records_child(role: str, model_dir: str, documents_path: str, batch_size: int) -> None:
    """One side of records mode: cold start, then one timed pass per "pass" line on stdin."""
    import resource

    documents = json.loads(Path(documents_path).read_text(encoding="utf-8"))
    started = time.time()
    import flashpoint
    from flashpoint.records import build_records

    extractor = flashpoint.load(model_dir, batch_size=batch_size)
    ontology = extractor.ontology

    def output(result) -> int:
        if role == "spans":
            return len(result.to_dict()["events"])
        records, events = build_records(result, ontology)
        document = result.to_dict()
        document["events"], document["records"] = events, [r.to_dict() for r in records]
        return len(records)

    loaded = time.time() - started
    output(next(iter(extractor.extract_many(documents[:1]))))
    cold = time.time() - started
    print("READY " + json.dumps({"cold_start_s": round(cold, 2), "load_s": round(loaded, 2),
                                 "first_document_s": round(cold - loaded, 2)}), flush=True)
    for command in sys.stdin:
        if command.strip() != "pass":
            break
        begin = time.time()
        sentences = produced = 0
        for result in extractor.extract_many(documents, batch_size=batch_size):
            sentences += result.n_sentences
            produced += output(result)
        print("PASS " + json.dumps({"sentences_per_s": sentences / (time.time() - begin), "events": produced,
                                    "sentences": sentences}), flush=True)
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("DONE " + json.dumps({"peak_rss_mb": peak, "documents": len(documents)}), flush=True)


def child(role: str, model_dir: str, n: int, batch_size: int) -> None:
    """Load one side, report its cold start, then run one timed pass per "pass" line on stdin."""
    import resource

    texts = held_out_sentences(n)
    started = time.time()
    one_pass = (load_torch if role == "torch" else load_runtime)(model_dir, texts, batch_size)
    cold = time.time() - started
    torch_imported = any(m.split(".")[0] == "torch" for m in sys.modules)
    print("READY " + json.dumps({"cold_start_s": round(cold, 2), "torch_imported": torch_imported}), flush=True)
    for command in sys.stdin:
        if command.strip() != "pass":
            break
        print("PASS " + json.dumps(time_pass(one_pass, len(texts))), flush=True)
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("DONE " + json.dumps({"peak_rss_mb": peak, "sentences": len(texts)}), flush=True)


class Side:
    """One child process, driven line by line."""

    def __init__(self, role: str, args, documents: str | None = None) -> None:
        self.role = role
        extra = ["--documents", documents] if documents else []
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", role, "--model", args.model, "--sentences", str(args.sentences),
             "--batch-size", str(args.batch_size), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
        self.ready = self._reply("READY")
        self.passes: list[dict] = []

    def _reply(self, tag: str) -> dict:
        for line in self.process.stdout:
            if line.startswith(tag + " "):
                return json.loads(line.removeprefix(tag + " "))
        self.process.wait()
        sys.exit(f"{self.role} run failed (exit code {self.process.returncode}); its error is above")

    def run_pass(self) -> None:
        self.process.stdin.write("pass\n")
        self.process.stdin.flush()
        self.passes.append(self._reply("PASS"))

    def finish(self) -> dict:
        self.process.stdin.close()
        done = self._reply("DONE")
        self.process.wait()
        rates = [p["sentences_per_s"] for p in self.passes]
        return {**done, **self.ready, "passes_sentences_per_s": [round(r, 1) for r in rates],
                "sentences_per_s": round(float(sorted(rates)[len(rates) // 2]), 1), "events": self.passes[-1]["events"]}


def sample_archive_rate(model_dir: str) -> dict:
    import tempfile

    from flashpoint.scoring import score_archive

    with tempfile.TemporaryDirectory() as folder:
        summary = score_archive([REPO / "data/sample_archive.jsonl"], Path(folder) / "out.jsonl", Path(model_dir),
                                progress=False)
    return {"documents": summary.documents, "sentences": summary.sentences, "events": summary.events,
            "seconds": round(summary.seconds, 2), "documents_per_s": round(summary.documents_per_second, 1)}


def records_mode(args) -> None:
    """Spans mode against records mode on the same gold documents; cold start of each."""
    import os
    import tempfile

    documents = gold_documents(args.model, args.sentences)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(documents, handle, ensure_ascii=False)
    try:
        spans_side = Side("spans", args, handle.name)   # loaded one after the other: cold starts do not overlap
        records_side = Side("records", args, handle.name)
        for _ in range(args.repeats):
            spans_side.run_pass()
            records_side.run_pass()
        spans, records = spans_side.finish(), records_side.finish()
        # cold start again in lone processes, alternating, nothing else loaded beside them:
        # the in-run figure of the second child can carry the first one's noise
        lone: dict[str, list[dict]] = {"spans": [], "records": []}
        for _ in range(3):
            for role in lone:
                side = Side(role, args, handle.name)
                lone[role].append(side.ready)
                side.process.stdin.close()
                side.process.wait()
    finally:
        os.unlink(handle.name)
    for role, side_result in (("spans", spans), ("records", records)):
        runs = sorted(lone[role], key=lambda r: r["cold_start_s"])
        side_result["lone_cold_start_s"] = [r["cold_start_s"] for r in lone[role]]
        side_result["lone_cold_start_median"] = runs[1]
    overhead = 1 - records["sentences_per_s"] / spans["sentences_per_s"]
    # each records pass against the spans pass just before it: the drift-free view
    per_round = [round(1 - r / s, 3) for s, r in zip(spans["passes_sentences_per_s"], records["passes_sentences_per_s"])]
    median_round = sorted(per_round)[len(per_round) // 2]
    load = os.getloadavg()
    result = {"model": args.model, "machine": machine(), "load_average_1_5_15": [round(x, 2) for x in load],
              "input": f"data/gold articles cycled: {len(documents)} documents, {records_side.passes[-1]['sentences']} sentences",
              "spans": spans, "records": records, "records_overhead": round(overhead, 3),
              "records_overhead_per_round": per_round, "records_overhead_median_round": median_round,
              "targets": {"records_overhead_max": 0.15, "cold_start_s": 3}}
    print(f"{'':10}{'sentences/s':>12}{'cold start s':>14}{'(load':>8}{'+ 1st doc)':>11}{'alone s':>9}"
          f"{'(load':>8}{'+ 1st doc)':>11}{'peak RSS MB':>13}")
    for name, r in (("spans", spans), ("records", records)):
        alone = r["lone_cold_start_median"]
        print(f"{name:10}{r['sentences_per_s']:12.1f}{r['cold_start_s']:14.2f}{r['load_s']:8.2f}"
              f"{r['first_document_s']:11.2f}{alone['cold_start_s']:9.2f}{alone['load_s']:8.2f}"
              f"{alone['first_document_s']:11.2f}{r['peak_rss_mb']:13.0f}")
    print(f"records overhead: {overhead:.1%} of spans-mode sentences/s between the medians of {args.repeats} alternating "
          f"passes, {median_round:.1%} median per round {per_round} (target <= 15%); {result['input']}; "
          f"load average {result['load_average_1_5_15']}")
    print(f"wrote {save('throughput_records', result)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO / "models/default"))
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="alternating timed passes per side; the median is reported")
    parser.add_argument("--child", choices=["torch", "runtime", "spans", "records"])
    parser.add_argument("--records", action="store_true", help="spans mode against records mode (issue 12)")
    parser.add_argument("--documents", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in ("spans", "records"):
        records_child(args.child, args.model, args.documents, args.batch_size)
        return
    if args.child:
        child(args.child, args.model, args.sentences, args.batch_size)
        return
    if args.records:
        records_mode(args)
        return
    torch_side = Side("torch", args)  # loaded one after the other: cold starts do not overlap
    runtime_side = Side("runtime", args)
    for _ in range(args.repeats):
        torch_side.run_pass()
        runtime_side.run_pass()
    torch_result, runtime_result = torch_side.finish(), runtime_side.finish()
    ratio = runtime_result["sentences_per_s"] / torch_result["sentences_per_s"]
    # each runtime pass over the PyTorch pass just before it: the drift-free view
    round_ratios = [round(r / t, 2) for t, r in zip(torch_result["passes_sentences_per_s"],
                                                     runtime_result["passes_sentences_per_s"])]
    archive = sample_archive_rate(args.model)
    result = {"model": args.model, "machine": machine(), "pytorch_fp32": torch_result,
              "flashpoint_onnx_int8": runtime_result, "speedup": round(ratio, 2),
              "speedup_per_round": round_ratios, "sample_archive": archive,
              "targets": {"speedup": 4, "sentences_per_s": 300, "cold_start_s": 3, "peak_rss_mb": 800}}
    print(f"{'':26}{'sentences/s':>12}{'cold start s':>14}{'peak RSS MB':>13}")
    for name, r in (("transformers/PyTorch fp32", torch_result), ("flashpoint ONNX int8", runtime_result)):
        print(f"{name:26}{r['sentences_per_s']:12.1f}{r['cold_start_s']:14.2f}{r['peak_rss_mb']:13.0f}")
    print(f"speed-up: {ratio:.2f}x on {runtime_result['sentences']} held-out sentences, {machine()['cpus']} CPUs "
          f"(median of {args.repeats} alternating passes; PyTorch {torch_result['passes_sentences_per_s']}, "
          f"flashpoint {runtime_result['passes_sentences_per_s']}; per round {round_ratios})")
    print(f"sample archive: {archive['documents']} documents, {archive['sentences']} sentences in {archive['seconds']} s "
          f"= {archive['documents_per_s']} documents/s (includes model load)")
    print(f"wrote {save('throughput', result)}")


if __name__ == "__main__":
    main()
