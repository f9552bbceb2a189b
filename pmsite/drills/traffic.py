"""The drill's traffic generator: steady requests at the scenario's rate, from a bounded thread pool.

A slow API does not slow the generator down (users keep arriving); when too many
requests are outstanding it drops new ones, like impatient users.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from pmsite.drills.runtime import JsonLog, role_main

_MAX_OUTSTANDING = 64


def main() -> None:
    run = role_main("traffic")
    base = f"http://127.0.0.1:{run.api_port()}"
    rate = float(run.scenario.get("traffic", {}).get("rate", 10))
    keys = int(run.fault.get("keys", 40))
    log = JsonLog(run, "traffic")
    slots = threading.BoundedSemaphore(_MAX_OUTSTANDING)

    def request() -> None:
        if run.kind == "cache-stampede":
            call = urllib.request.Request(f"{base}/api/products/{random.randrange(keys)}")
        else:
            call = urllib.request.Request(f"{base}/api/orders", data=b"{}", method="POST",
                                          headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(call, timeout=5) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            pass  # the API counts its errors; users just see them
        finally:
            slots.release()

    log.write("info", f"traffic started: {rate:g} requests per second")
    with ThreadPoolExecutor(max_workers=_MAX_OUTSTANDING) as pool:
        next_at = time.monotonic()
        while run.alive():
            if slots.acquire(blocking=False):
                pool.submit(request)
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))
        pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    main()
