"""Inference speed, side by side, on the same fine-tuned model and the same sentences.

    python benchmarks/throughput.py [--model models/default] [--sentences 2000] [--repeats 3]

(a) plain transformers/PyTorch fp32: the saved model, a Hugging Face fast tokenizer
    padding each batch of 32 in input order, then the tagger for every type that
    passes its threshold: what a user would write with the training stack.
(b) the flashpoint runtime: ONNX Runtime int8 with length-bucketed batches and
    dynamic padding, through the same pipeline that `flashpoint score` uses.
Both do types and arguments. Each runs in its own child process, so that the cold
start (import + load) and the peak RSS of each are measured cleanly; each makes
--repeats timed passes over the sentences and reports the median pass. The held-out
sentences are the corpus dev and test splits (all languages), at least --sentences.
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


def timed_passes(one_pass, n_sentences: int, repeats: int) -> dict:
    """Run ``one_pass`` ``repeats`` times; the headline rate is the median pass.

    The shared 2-core machine's speed drifts by +-10% from minute to minute, so one
    pass per side can flip a ratio; the median of several is stable and all passes
    are kept in the results file."""
    rates, events = [], 0
    for _ in range(repeats):
        begin = time.time()
        events = one_pass()
        rates.append(n_sentences / (time.time() - begin))
    return {"sentences": n_sentences, "passes_sentences_per_s": [round(r, 1) for r in rates],
            "sentences_per_s": round(float(sorted(rates)[len(rates) // 2]), 1), "events": int(events)}


def run_torch(model_dir: str, texts: list[str], batch_size: int, repeats: int) -> dict:
    started = time.time()
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
    cold = time.time() - started

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

    return {**timed_passes(one_pass, len(texts), repeats), "cold_start_s": round(cold, 2)}


def run_runtime(model_dir: str, texts: list[str], batch_size: int, repeats: int) -> dict:
    started = time.time()
    import flashpoint

    extractor = flashpoint.load(model_dir, batch_size=batch_size)
    cold = time.time() - started

    def one_pass() -> int:
        _, arguments = extractor.pipeline.score_sentences(texts)
        return sum(len(per_type) for per_type in arguments)

    return {**timed_passes(one_pass, len(texts), repeats), "cold_start_s": round(cold, 2),
            "torch_imported": any(m.split(".")[0] == "torch" for m in sys.modules)}


def child(role: str, model_dir: str, n: int, batch_size: int, repeats: int) -> None:
    import resource

    texts = held_out_sentences(n)
    result = (run_torch if role == "torch" else run_runtime)(model_dir, texts, batch_size, repeats)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("RESULT " + json.dumps(result))


def in_child(role: str, args) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", role, "--model", args.model,
                             "--sentences", str(args.sentences), "--batch-size", str(args.batch_size),
                             "--repeats", str(args.repeats)],
                            capture_output=True, text=True, cwd=REPO)
    lines = [l for l in output.stdout.splitlines() if l.startswith("RESULT ")]
    if output.returncode or not lines:
        sys.exit(f"{role} run failed:\n{output.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


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
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per side; the median is reported")
    parser.add_argument("--child", choices=["torch", "runtime"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.sentences, args.batch_size, args.repeats)
        return
    torch_result = in_child("torch", args)
    runtime_result = in_child("runtime", args)
    ratio = runtime_result["sentences_per_s"] / torch_result["sentences_per_s"]
    archive = sample_archive_rate(args.model)
    result = {"model": args.model, "machine": machine(), "pytorch_fp32": torch_result,
              "flashpoint_onnx_int8": runtime_result, "speedup": round(ratio, 2), "sample_archive": archive,
              "targets": {"speedup": 4, "sentences_per_s": 300, "cold_start_s": 3, "peak_rss_mb": 800}}
    print(f"{'':26}{'sentences/s':>12}{'cold start s':>14}{'peak RSS MB':>13}")
    for name, r in (("transformers/PyTorch fp32", torch_result), ("flashpoint ONNX int8", runtime_result)):
        print(f"{name:26}{r['sentences_per_s']:12.1f}{r['cold_start_s']:14.2f}{r['peak_rss_mb']:13.0f}")
    print(f"speed-up: {ratio:.2f}x on {runtime_result['sentences']} held-out sentences, {machine()['cpus']} CPUs "
          f"(median of {args.repeats} passes; PyTorch {torch_result['passes_sentences_per_s']}, "
          f"flashpoint {runtime_result['passes_sentences_per_s']})")
    print(f"sample archive: {archive['documents']} documents, {archive['sentences']} sentences in {archive['seconds']} s "
          f"= {archive['documents_per_s']} documents/s (includes model load)")
    print(f"wrote {save('throughput', result)}")


if __name__ == "__main__":
    main()
