"""Benchmark rendering deeply nested Markdown (lists, quotes) against plain prose.

A hostile postmortem could nest thousands of lists or quotes. This prints, per shape and
depth, the input size, the time mistune and the sanitiser (nh3) take, and the deepest
element nesting of the HTML, so one can see whether the cost grows faster than the input.

Run: python bench/nested_markdown.py [--levels 2000 5000 10000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from pmsite.render import markdown  # noqa: E402

#: Indented shapes need about levels² / 2 characters: above this many levels they are left out.
MAX_INDENTED_LEVELS = 3000
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")


def html_depth(html: str) -> int:
    depth = deepest = 0
    for closing, name in _TAG.findall(html):
        if name in ("br", "hr", "img", "input", "wbr"):
            continue
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def shapes(levels: int) -> dict[str, str]:
    found = {
        "bullets on one line ('- - - x')": "- " * levels + "x\n",
        "quotes on one line ('> > > x')": "> " * levels + "x\n",
        "quote markers ('>>>> x')": ">" * levels + " x\n",
    }
    if levels <= MAX_INDENTED_LEVELS:
        found["indented bullets, a line a level"] = "".join("  " * i + "- x\n" for i in range(levels))
        found["quotes, a line a level"] = "".join(">" * i + " x\n" for i in range(1, levels))
    return found


def measure(name: str, text: str) -> None:
    started = time.perf_counter()
    html, _ = markdown._parser_without_bare_urls.parse(text)
    parsed = time.perf_counter()
    markdown.sanitise(html)
    done = time.perf_counter()
    print(f"  {name:36} {len(text) / 1e6:7.3f} MB  mistune {parsed - started:6.2f} s  nh3 {done - parsed:6.2f} s  "
          f"{len(text) / 1e6 / max(done - started, 1e-9):6.2f} MB/s  HTML depth {html_depth(html)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[2000, 5000, 10000])
    levels = parser.parse_args().levels
    print("reference")
    measure("prose, 1 MB", ("The flush sent every request to the database at once.\n\n" * 20000)[:1_000_000])
    measure("flat list, 1 MB", ("- item text here\n" * 60000)[:1_000_000])
    for count in levels:
        print(f"{count} levels")
        for name, text in shapes(count).items():
            measure(name, text)


if __name__ == "__main__":
    main()
