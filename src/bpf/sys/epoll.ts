// epoll + eventfd primitives. struct epoll_event is packed (12 bytes) on x86_64 and 16 bytes
// elsewhere (EPOLL_PACKED, include/uapi/linux/eventpoll.h).
import { EFD_CLOEXEC, EFD_NONBLOCK, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLLIN } from "./numbers.js";
import { rawEpollCreate1, rawEpollCtl, rawEpollWaitAsync, rawEventfd, rawRead, rawWrite } from "./libc.js";
import { ENOENT, syscallError } from "./errors.js";

export const EPOLL_EVENT_SIZE = process.arch === "x64" ? 12 : 16;
const DATA_OFFSET = process.arch === "x64" ? 4 : 8;

export function epollCreate(): number {
  const r = rawEpollCreate1(EPOLL_CLOEXEC);
  if (r < 0) throw syscallError("epoll create", -r);
  return r;
}

/** Watch `fd` for input; the event's data is the fd itself. */
export function epollAdd(epfd: number, fd: number): void {
  const ev = Buffer.alloc(EPOLL_EVENT_SIZE);
  ev.writeUInt32LE(EPOLLIN, 0);
  ev.writeUInt32LE(fd, DATA_OFFSET);
  const r = rawEpollCtl(epfd, EPOLL_CTL_ADD, fd, ev);
  if (r < 0) throw syscallError(`epoll add fd ${fd}`, -r);
}

export function epollRemove(epfd: number, fd: number): void {
  const r = rawEpollCtl(epfd, EPOLL_CTL_DEL, fd, Buffer.alloc(EPOLL_EVENT_SIZE));
  if (r < 0 && -r !== ENOENT) throw syscallError(`epoll remove fd ${fd}`, -r);
}

/** Wait off the main thread; resolves with the ready fds ([] on timeout or EINTR). */
export async function epollWait(epfd: number, maxEvents: number, timeoutMs: number): Promise<number[]> {
  const events = Buffer.alloc(EPOLL_EVENT_SIZE * maxEvents);
  const n = await rawEpollWaitAsync(epfd, events, maxEvents, timeoutMs);
  const fds: number[] = [];
  for (let i = 0; i < n; i++) fds.push(events.readUInt32LE(i * EPOLL_EVENT_SIZE + DATA_OFFSET));
  return fds;
}

export function eventfdCreate(): number {
  const r = rawEventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r < 0) throw syscallError("eventfd create", -r);
  return r;
}

export function eventfdSignal(fd: number): void {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  rawWrite(fd, one); // EAGAIN only when the counter would overflow: it is already signalled
}

export function eventfdReset(fd: number): void {
  rawRead(fd, Buffer.alloc(8)); // non-blocking: EAGAIN when not signalled
}
