"""How fast findings reach the editor: ``pmsite lsp`` timed over stdio, as an editor uses it.

For a postmortem of about 3,000 words (the sample corpus's prose, blaming sentences included),
with the spaCy model already loaded by an earlier document:

- open: from ``textDocument/didOpen`` to its ``publishDiagnostics``;
- edit: from a one-word ``didChange`` to the updated ``publishDiagnostics`` (debounce set to 0).

Each round starts a fresh server, so the open is never served from the block cache.

    python bench/lsp.py [--words 3000] [--rounds 3] [--edits 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class Client:
    """A bare JSON-RPC client over the server's stdin and stdout."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "pmsite", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},
                                    "initializationOptions": {"debounceMilliseconds": 0}})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self) -> dict:
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the server stopped")
            if not line.strip():
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self, uri: str, version: int) -> list:
        while True:
            message = self.read()
            params = message.get("params", {})
            if (message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri
                    and params.get("version") == version):
                return params["diagnostics"]

    def close(self) -> None:
        self.request("shutdown", {})
        self.notify("exit", {})
        self.process.wait(timeout=10)


def document(words: int) -> str:
    """A postmortem of about ``words`` words of real prose: sample bodies, findings included."""
    bodies = []
    for path in sorted((REPO_ROOT / "content" / "postmortems").glob("*.md"), reverse=True):
        text = path.read_text(encoding="utf-8")
        bodies.append(text.split("\n---\n", 1)[1])
        if sum(len(body.split()) for body in bodies) >= words:
            break
    body = "\n\n".join(bodies)
    kept = " ".join(body.split(" ")[:words])  # keeps line breaks: split on spaces only
    return ("---\nid: PM-2026-900\ntitle: Bench postmortem\nstatus: draft\nseverity: SEV2\n"
            "type: availability\ndate: 2026-11-02\nauthors: [dana]\nparticipants: [dana, omar]\n---\n\n" + kept + "\n")


def one_round(root: Path, text: str, edits: int) -> tuple[float, list[float], int, int]:
    client = Client(root)
    try:
        warm = (root / "content" / "postmortems" / "warm.md").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": warm, "languageId": "markdown", "version": 1,
            "text": "The engineer carelessly restarted the cluster.\n"}})
        client.diagnostics(warm, 1)  # the model is loaded from here on
        uri = (root / "content" / "postmortems" / "bench.md").as_uri()
        started = time.perf_counter()
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "markdown", "version": 1, "text": text}})
        found = client.diagnostics(uri, 1)
        opened = time.perf_counter() - started
        lines = text.split("\n")
        target = next(i for i, line in enumerate(lines) if len(line.split()) > 12 and not line.startswith(("#", "|")))
        timings = []
        for version in range(2, edits + 2):
            word = f"w{version}"
            started = time.perf_counter()
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": target, "character": 0},
                                              "end": {"line": target, "character": 0}}, "text": word + " "}]})
            after = client.diagnostics(uri, version)
            timings.append(time.perf_counter() - started)
        return opened, timings, len(found), len(after)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    text = document(args.words)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "content" / "postmortems").mkdir(parents=True)
        (root / "pmsite.yaml").write_text("title: Bench\n", encoding="utf-8")
        opens, changes = [], []
        for _ in range(args.rounds):
            opened, timings, found, after = one_round(root, text, args.edits)
            opens.append(opened)
            changes.extend(timings)
    print(f"document: {len(text.split()):,} words, {found} diagnostics ({after} after the edits)")
    print(f"didOpen -> diagnostics:   median {statistics.median(opens) * 1000:6.0f} ms  "
          f"(min {min(opens) * 1000:.0f}, max {max(opens) * 1000:.0f}; {args.rounds} rounds; goal < 300 ms)")
    print(f"didChange -> diagnostics: median {statistics.median(changes) * 1000:6.0f} ms  "
          f"(min {min(changes) * 1000:.0f}, max {max(changes) * 1000:.0f}; {len(changes)} edits; goal < 100 ms)")


if __name__ == "__main__":
    main()
