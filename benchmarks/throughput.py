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

    def __init__(self, role: str, args) -> None:
        self.role = role
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", role, "--model", args.model, "--sentences", str(args.sentences),
             "--batch-size", str(args.batch_size)],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO / "models/default"))
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="alternating timed passes per side; the median is reported")
    parser.add_argument("--child", choices=["torch", "runtime"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.sentences, args.batch_size)
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
