"""Benchmark redaction: pmsite's Redactor against detect-secrets on timeline-shaped messages.

Uses the message generator of bench/timeline.py (1% of messages carry a GitHub
token) plus every secret shape of tests/test_redact_outputs.py. Prints messages
per second and what each tool finds. detect-secrets is optional: install it
(``pip install detect-secrets``) to compare; pmsite does not depend on it.

Run: python bench/redact.py [--messages 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: bench/ and tests/ are imported

from bench.timeline import sentence  # noqa: E402
from pmsite.redact import Redactor  # noqa: E402
from tests.test_redact_outputs import cases  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    count = parser.parse_args().messages
    rng = random.Random(7)
    texts = [f"{sentence(rng)} cc @User 3 https://grafana.example.com/d/x" for _ in range(count)]
    secret_cases = cases(300)
    print(f"redaction benchmark: {count:,} chat messages, {len(secret_cases)} secret shapes")

    redactor = Redactor()
    started = time.perf_counter()
    for text in texts:
        redactor.redact_record("chat", (text, "https://acme.slack.com/archives/C1/p1", "User 3", "slack #inc"))
    elapsed = time.perf_counter() - started
    missed = sum(1 for text, cores in secret_cases for core in cores if core in Redactor().redact(text))
    print(f"  pmsite Redactor     {count / elapsed:>10,.0f} messages/s  ({elapsed:.2f} s); "
          f"{sum(redactor.counts.values())} found in chat; {missed} of {len(secret_cases)} secret shapes missed")

    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings
    except ImportError:
        print("  detect-secrets      not installed (pip install detect-secrets to compare)")
        return
    entropy = ("Base64 High Entropy String", "Hex High Entropy String")
    sample = texts[: max(count // 10, 1)]
    with default_settings():
        started = time.perf_counter()
        hits = sum(1 for text in sample for found in scan_line(text) if found.type not in entropy)
        elapsed = time.perf_counter() - started
        noise = sum(1 for text in sample[:200] for found in scan_line(text) if found.type in entropy)
        missed = sum(1 for text, cores in secret_cases
                     if not any(found.type not in entropy for line in text.splitlines() for found in scan_line(line)))
    print(f"  detect-secrets      {len(sample) / elapsed:>10,.0f} messages/s  ({elapsed:.2f} s for {len(sample):,}); "
          f"{hits} found in chat; {missed} of {len(secret_cases)} secret shapes missed (without entropy findings, "
          f"which flag {noise} words in 200 ordinary messages)")


if __name__ == "__main__":
    main()
