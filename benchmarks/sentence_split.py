"""Time of sentence splitting against document length (one paragraph, English, pysbd's path).

    python benchmarks/sentence_split.py                # 20,000 to 5,000,000 characters

Linear splitting keeps the time per character flat as the text grows; pysbd given a whole
paragraph at once took 0.7 s for 20,000 characters and 37 s for 160,000.
"""

from __future__ import annotations

import argparse
import time

from common import machine, save

from flashpoint.sentences import split_sentences

SENTENCES = "Gunmen attacked a police post near Gao on Sunday, officials said. Dr. Smith arrived at 3 p.m. with U.S. aid. "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 160_000, 1_000_000, 5_000_000])
    arguments = parser.parse_args()
    rows = []
    for size in arguments.sizes:
        text = (SENTENCES * (size // len(SENTENCES) + 1))[:size]
        started = time.perf_counter()
        found = split_sentences(text, "en")
        seconds = time.perf_counter() - started
        rows.append({"characters": size, "sentences": len(found), "seconds": round(seconds, 2),
                     "microseconds_per_character": round(seconds / size * 1e6, 1)})
        print(f"{size:>10,} characters  {len(found):>7,} sentences  {seconds:7.2f} s  "
              f"{seconds / size * 1e6:5.1f} us/character", flush=True)
    print(f"saved {save('sentence_split', {'machine': machine(), 'rows': rows})}")


if __name__ == "__main__":
    main()
