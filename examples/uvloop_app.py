"""The same kind of block under uvloop (libuv waits in epoll_pwait, not epoll_wait).

    sudo npx blocksnoop -- /usr/bin/python3 examples/uvloop_app.py     # needs python3-uvloop
"""
import asyncio
import time

import uvloop


async def main():
    await asyncio.sleep(0.2)
    time.sleep(0.2)  # blocks the uvloop loop
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    uvloop.run(main()) if hasattr(uvloop, "run") else uvloop.install() or asyncio.run(main())
