"""A Python process whose main thread sits DEPTH frames deep (counting <module>) in time.sleep.
Usage: deep_sleep.py [DEPTH=30]. Prints {"ready": true, "pid", "tid", "depth"} when in place."""
import json
import sys
import threading
import time

DEPTH = int(sys.argv[1]) if len(sys.argv) > 1 else 30


def descend(n):
    if n <= 1:
        sys.stdout.write(json.dumps({"ready": True, "pid": __import__("os").getpid(), "tid": threading.get_native_id(), "depth": DEPTH}) + "\n")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    descend(n - 1)


descend(DEPTH - 1)  # <module> + (DEPTH - 1) × descend
