"""An ASGI app whose handler blocks the worker's loop with time.sleep(0.08) and answers with the
ground truth of that block: {"start_ns", "end_ns", "tid", "pid"} (time.monotonic_ns())."""
import json
import os
import threading
import time


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    truth = {}
    if scope["path"] == "/block":
        start = time.monotonic_ns()
        time.sleep(0.08)
        end = time.monotonic_ns()
        truth = {"start_ns": start, "end_ns": end, "tid": threading.get_native_id(), "pid": os.getpid()}
    body = json.dumps(truth).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
