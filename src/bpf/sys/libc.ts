// The one place that talks to koffi. Every foreign function is bound once, here, with a typed
// wrapper; callers never see koffi values. Pointers are passed as Buffers or bigint addresses.
import koffi from "koffi";

const libc = koffi.load("libc.so.6");

// syscall(2) is variadic in C; binding fixed prototypes is what glibc's asm wrapper accepts on
// x86_64 and arm64 (arguments are only moved into registers). Proven in koffi-bpf-proof.mjs.
const sysBpf = libc.func("long syscall(long nr, int cmd, void *attr, unsigned int size)");
const sysPerf = libc.func("long syscall(long nr, void *attr, int pid, int cpu, int group, unsigned long flags)");
const sysIoctl = libc.func("long syscall(long nr, int fd, unsigned long req, unsigned long arg)");
const sysPidfdOpen = libc.func("long syscall(long nr, int pid, unsigned int flags)");
const cMmap = libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)");
const cMunmap = libc.func("int munmap(void *addr, size_t len)");
const cClose = libc.func("int close(int fd)");
const cEpollCreate1 = libc.func("int epoll_create1(int flags)");
const cEpollCtl = libc.func("int epoll_ctl(int epfd, int op, int fd, void *event)");
const cEpollWait = libc.func("int epoll_wait(int epfd, void *events, int maxevents, int timeout)");
const cEventfd = libc.func("int eventfd(unsigned int initval, int flags)");
const cWrite = libc.func("long write(int fd, void *buf, size_t len)");
const cRead = libc.func("long read(int fd, void *buf, size_t len)");
const cSetrlimit = libc.func("int setrlimit(int resource, void *rlim)");
const cGetpagesize = libc.func("int getpagesize()");
const cMount = libc.func("int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)");
const cUmount2 = libc.func("int umount2(const char *target, int flags)");

/** Result of a call: non-negative value, or -errno. */
function result(r: unknown): number {
  const n = Number(r);
  return n < 0 ? -koffi.errno() : n;
}

export function rawBpf(nr: number, cmd: number, attr: Buffer, size: number): number {
  return result(sysBpf(nr, cmd, attr, size));
}
export function rawPerfEventOpen(nr: number, attr: Buffer, pid: number, cpu: number, group: number, flags: number): number {
  return result(sysPerf(nr, attr, pid, cpu, group, flags));
}
export function rawPidfdOpen(nr: number, pid: number, flags: number): number {
  return result(sysPidfdOpen(nr, pid, flags));
}
export function rawIoctl(nr: number, fd: number, req: number, arg: number): number {
  return result(sysIoctl(nr, fd, req, arg));
}
/** mmap: the mapping's address, or -errno as a negative bigint. */
export function rawMmap(len: number, prot: number, flags: number, fd: number, offset: number): bigint {
  const p: unknown = cMmap(null, len, prot, flags, fd, offset);
  const addr = typeof p === "bigint" ? p : koffi.address(p);
  return addr === 0xffffffffffffffffn ? -BigInt(koffi.errno()) : addr;
}
export function rawMunmap(addr: bigint, len: number): number {
  return result(cMunmap(addr, len));
}
/** A zero-copy ArrayBuffer over native memory at `addr` (valid until it is unmapped). */
export function viewOf(addr: bigint, len: number): ArrayBuffer {
  return koffi.view(addr, len);
}
export function rawClose(fd: number): number {
  return result(cClose(fd));
}
export function rawEpollCreate1(flags: number): number {
  return result(cEpollCreate1(flags));
}
export function rawEpollCtl(epfd: number, op: number, fd: number, event: Buffer | null): number {
  return result(cEpollCtl(epfd, op, fd, event));
}
/** epoll_wait on a libuv threadpool thread, so the main thread keeps running. */
export function rawEpollWaitAsync(epfd: number, events: Buffer, max: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    cEpollWait.async(epfd, events, max, timeoutMs, (err: unknown, n: unknown) => {
      if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(Number(n)); // errno of a threadpool call is not observable; callers treat <0 as EINTR
    });
  });
}
export function rawEventfd(initval: number, flags: number): number {
  return result(cEventfd(initval, flags));
}
export function rawWrite(fd: number, buf: Buffer): number {
  return result(cWrite(fd, buf, buf.length));
}
export function rawRead(fd: number, buf: Buffer): number {
  return result(cRead(fd, buf, buf.length));
}
export function rawSetrlimit(resource: number, rlim: Buffer): number {
  return result(cSetrlimit(resource, rlim));
}
export function rawGetpagesize(): number {
  return Number(cGetpagesize());
}
export function rawMount(source: string, target: string, fstype: string): number {
  return result(cMount(source, target, fstype, 0, null));
}
export function rawUmount2(target: string, flags: number): number {
  return result(cUmount2(target, flags));
}
/** Address of a Buffer's memory (for pointer fields inside attr structs). */
export function addressOf(buf: Buffer): bigint {
  return koffi.address(buf);
}
