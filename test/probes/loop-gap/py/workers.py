"""A parent that starts two asyncio worker processes after "go": one forked by multiprocessing,
one a fresh interpreter started by subprocess (fork + exec). Each worker waits, blocks once for
its own number of ms (busy), waits again, and prints its ground truth.

Usage: workers.py '{"ms": [50, 70]}'       (parent)
       workers.py worker <ms>               (what subprocess runs)
Protocol on stdout as blocker.py: {"ready", "pid", "tid"}, then one {"start_ns", "end_ns", "tid",
"pid"} per worker, then {"done": true}.
"""
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def work(ms):
    await asyncio.sleep(0.1)  # the worker's loop waits first: its run phase starts at a wait
    start = time.monotonic_ns()
    end_at = start + int(ms * 1e6)
    while time.monotonic_ns() < end_at:
        pass
    end = time.monotonic_ns()
    await asyncio.sleep(0.05)
    emit({"start_ns": start, "end_ns": end, "tid": threading.get_native_id(), "pid": os.getpid()})


def worker(ms):
    asyncio.run(work(ms))


def main(cfg):
    emit({"ready": True, "pid": os.getpid(), "tid": threading.get_native_id(), "thread_name": "MainThread"})
    sys.stdin.readline()  # "go"
    a, b = cfg["ms"]
    forked = multiprocessing.get_context("fork").Process(target=worker, args=(a,))
    forked.start()
    spawned = subprocess.Popen([sys.executable, __file__, "worker", str(b)])
    forked.join()
    spawned.wait()
    emit({"done": True})


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        worker(float(sys.argv[2]))
    else:
        main(json.loads(sys.argv[1]))
