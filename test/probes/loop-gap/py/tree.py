"""Threads and a child process, step by step on stdin lines, for the descendant programs' test.
Prints JSON lines: {"pid"}, then {"threads": [tids]} (alive), then {"threads_gone": true},
then {"child": pid} (alive), then {"child_gone": true}."""
import json
import os
import sys
import threading
import time


def emit(o):
    sys.stdout.write(json.dumps(o) + "\n")
    sys.stdout.flush()


emit({"pid": os.getpid()})
sys.stdin.readline()
stop = threading.Event()
tids = []
lock = threading.Lock()


def body():
    with lock:
        tids.append(threading.get_native_id())
    stop.wait()


threads = [threading.Thread(target=body) for _ in range(3)]
for t in threads:
    t.start()
while len(tids) < 3:
    time.sleep(0.01)
emit({"threads": tids})
sys.stdin.readline()
stop.set()
for t in threads:
    t.join()
time.sleep(0.05)
emit({"threads_gone": True})
sys.stdin.readline()
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.read(r, 1)
    os._exit(0)
emit({"child": child})
sys.stdin.readline()
os.write(w, b"x")
os.waitpid(child, 0)
emit({"child_gone": True})
sys.stdin.readline()
