"""An asyncio program that blocks its loop COUNT times for MS milliseconds each, alternating
between two functions (cpu_hog: on CPU; sleepy_call: time.sleep), and writes the ground truth
(which function blocked, when: time.monotonic_ns, CLOCK_MONOTONIC) to TRUTH_FILE as JSON lines.

Usage: known_blocks.py TRUTH_FILE MS COUNT
"""
import asyncio
import json
import sys
import time

TRUTH_FILE, MS, COUNT = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
TRUTH = []


def cpu_hog(ms):
    end_at = time.monotonic_ns() + int(ms * 1e6)
    x = 0
    while time.monotonic_ns() < end_at:
        x += 1
    return x


def sleepy_call(ms):
    time.sleep(ms / 1000.0)


async def handler(i):
    fn = cpu_hog if i % 2 == 0 else sleepy_call
    start = time.monotonic_ns()
    fn(MS)
    end = time.monotonic_ns()
    TRUTH.append({"fn": fn.__name__, "start_ns": start, "end_ns": end})


async def main():
    await asyncio.sleep(0.3)  # blocksnoop's sampler opens the process meanwhile
    for i in range(COUNT):
        await asyncio.create_task(handler(i), name=f"request-{i}")
        await asyncio.sleep(0.02)  # the loop waits between blocks
    with open(TRUTH_FILE, "w") as f:
        for t in TRUTH:
            f.write(json.dumps(t) + "\n")


asyncio.run(main())
