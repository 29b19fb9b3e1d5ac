"""An asyncio service that blocks its loop once a second for MS ms (default 150), forever,
alternating an on-CPU block (cpu_hog) and a time.sleep (sleepy_call), with a few healthy
callbacks in between. Usage: periodic_blocks.py [MS]"""
import asyncio
import json
import os
import sys
import time

MS = float(sys.argv[1]) if len(sys.argv) > 1 else 150.0


def cpu_hog(ms):
    end_at = time.monotonic_ns() + int(ms * 1e6)
    while time.monotonic_ns() < end_at:
        pass


def sleepy_call(ms):
    time.sleep(ms / 1000.0)


async def request(i):
    (cpu_hog if i % 2 == 0 else sleepy_call)(MS)


async def main():
    sys.stdout.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    i = 0
    while True:
        await asyncio.create_task(request(i), name=f"request-{i}")
        for _ in range(10):
            await asyncio.sleep(0.08)
        i += 1


asyncio.run(main())
