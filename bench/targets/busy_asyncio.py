"""A healthy but very busy asyncio loop: `await asyncio.sleep(0)` in a loop, so every iteration of
the event loop is one epoll_wait(timeout=0). Driven over stdin so the measurement window is
exactly the one the target counts (markers), whatever the tool does before and after.

stdin commands (one per line):  run SECONDS   -> count iterations for SECONDS, print the result
                                block SECONDS MS -> for SECONDS, block the loop in time.sleep(MS)
                                                    callbacks back to back (iterations = blocks)
                                idle SECONDS  -> let the loop wait for SECONDS (iterations = 0)
                                quit
stdout (JSON lines): {"ready": true, "pid": N}
                     {"cpu_s": C, "iterations": N, "seconds": S, "rate": R, "start_ns": A, "end_ns": B}
(cpu_s: this thread's CPU time over the window, CLOCK_THREAD_CPUTIME_ID)
"""
import asyncio
import json
import os
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def busy(seconds):
    n = 0
    cpu0 = time.thread_time_ns()
    start = time.monotonic_ns()
    end_at = start + int(seconds * 1e9)
    now = start
    while now < end_at:
        for _ in range(256):  # read the clock every 256 iterations only
            await asyncio.sleep(0)
        n += 256
        now = time.monotonic_ns()
    cpu = (time.thread_time_ns() - cpu0) / 1e9
    return {"cpu_s": cpu, "iterations": n, "seconds": (now - start) / 1e9, "rate": n / ((now - start) / 1e9), "start_ns": start, "end_ns": now}


def sleep_block(ms):
    time.sleep(ms / 1000.0)


async def blocks(seconds, ms):
    n = 0
    cpu0 = time.thread_time_ns()
    start = time.monotonic_ns()
    end_at = start + int(seconds * 1e9)
    now = start
    while now < end_at:
        sleep_block(ms)
        n += 1
        await asyncio.sleep(0)
        now = time.monotonic_ns()
    return {"cpu_s": (time.thread_time_ns() - cpu0) / 1e9, "iterations": n, "seconds": (now - start) / 1e9, "rate": n / ((now - start) / 1e9)}


async def idle(seconds):
    start = time.monotonic_ns()
    await asyncio.sleep(seconds)
    return {"cpu_s": 0.0, "iterations": 0, "seconds": (time.monotonic_ns() - start) / 1e9, "rate": 0.0}


async def main():
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    os.set_blocking(fd, False)
    lines = asyncio.Queue()
    buf = b""

    def on_stdin():
        nonlocal buf
        data = os.read(fd, 4096)
        if not data:
            lines.put_nowait("quit")
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            lines.put_nowait(line.decode().strip())

    loop.add_reader(fd, on_stdin)
    emit({"ready": True, "pid": os.getpid()})
    while True:
        cmd = (await lines.get()).split()
        if not cmd or cmd[0] == "quit":
            return
        if cmd[0] == "run":
            emit(await busy(float(cmd[1])))
        elif cmd[0] == "block":
            emit(await blocks(float(cmd[1]), float(cmd[2])))
        elif cmd[0] == "idle":
            emit(await idle(float(cmd[1])))


asyncio.run(main())
