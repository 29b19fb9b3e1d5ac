// wait-syscalls: the list itself, importable without the FFI (the doctor uses it).

/**
 * CPython/glibc x86_64 uses epoll_wait; uvloop, libuv/Node, musl and arm64 use epoll_pwait;
 * selector loops use poll/ppoll/select/pselect6. arm64 has no epoll_wait, poll or select at all
 * (asm-generic/unistd.h), so presence is read from tracefs, never assumed.
 *
 * poll/select family waits are also how code *inside* a callback sleeps or waits for one socket
 * (CPython < 3.11 time.sleep is select(0, NULL, NULL, NULL, &tv); a socket timeout is poll()), so
 * for them the program needs the fd-count argument (`count`, argument number `countArg`) to tell a
 * sleep from a loop wait.
 */
export const WAIT_SYSCALLS = [
  { name: "epoll_wait", family: "epoll" },
  { name: "epoll_pwait", family: "epoll" },
  { name: "epoll_pwait2", family: "epoll" },
  { name: "poll", family: "fdset", count: "nfds", countArg: 1 },
  { name: "ppoll", family: "fdset", count: "nfds", countArg: 1 },
  { name: "select", family: "fdset", count: "n", countArg: 0 },
  { name: "pselect6", family: "fdset", count: "n", countArg: 0 },
] as const;
export type WaitSyscall = (typeof WAIT_SYSCALLS)[number]["name"];
