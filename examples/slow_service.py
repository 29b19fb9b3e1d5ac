"""A small asyncio "service" whose handlers block the loop in three known ways.

Run it under blocksnoop (it stops by itself after a few seconds):
    sudo npx blocksnoop -- python3 examples/slow_service.py
Each blocking call is printed with its measured duration, so you can compare.
"""
import asyncio
import hashlib
import socket
import sys
import threading
import time


def render_report(rows: int) -> str:
    # CPU-bound work in the loop thread: a few frames deep, like a template render.
    return "".join(format_row(i) for i in range(rows))


def format_row(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()[:8] * 20


def legacy_client_call(sock: socket.socket) -> bytes:
    # A synchronous socket read inside a coroutine: the loop waits for the peer.
    return sock.recv(64)


def timed(label, fn, *args):
    t0 = time.monotonic_ns()
    result = fn(*args)
    print(f"example: {label} blocked the loop for {(time.monotonic_ns() - t0) / 1e6:.1f} ms", file=sys.stderr)
    return result


async def handle_login():
    timed("time.sleep(0.25) in handle_login", time.sleep, 0.25)


async def handle_report():
    timed("render_report in handle_report", render_report, 150000)


async def handle_legacy():
    a, b = socket.socketpair()
    threading.Timer(0.15, lambda: b.send(b"pong")).start()
    timed("legacy_client_call in handle_legacy", legacy_client_call, a)
    a.close()
    b.close()


async def healthy_traffic(stop: asyncio.Event):
    while not stop.is_set():
        await asyncio.sleep(0.005)


async def main():
    stop = asyncio.Event()
    traffic = asyncio.create_task(healthy_traffic(stop), name="healthy-traffic")
    for name, handler in [("login", handle_login), ("report", handle_report), ("legacy", handle_legacy)]:
        await asyncio.sleep(0.3)
        await asyncio.create_task(handler(), name=f"request-{name}")
    await asyncio.sleep(0.3)
    stop.set()
    await traffic


if __name__ == "__main__":
    asyncio.run(main())
