"""An asyncio loop running in a worker thread (not the main thread) that blocks on CPU work.

    sudo npx blocksnoop -- python3 examples/worker_thread_loop.py
blocksnoop reports the block on the worker thread, with its own tid and name.
"""
import asyncio
import threading
import time


def crunch(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


async def job():
    await asyncio.sleep(0.2)
    crunch(3_000_000)
    await asyncio.sleep(0.2)


def run_loop():
    asyncio.run(job())


if __name__ == "__main__":
    t = threading.Thread(target=run_loop, name="loop-worker")
    t.start()
    t.join()
    time.sleep(0.1)
