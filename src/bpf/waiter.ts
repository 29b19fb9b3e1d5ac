// Waiting for fds (a ring buffer, a pidfd, ...) without blocking Node's main thread: epoll_wait
// runs on a libuv threadpool thread (koffi async call); an eventfd interrupts it on close.
//
// A process that exits with a wait outstanding (process.exit(), an uncaught exception) would
// never end: Node's exit joins the threadpool's threads (uv_library_shutdown, Node 20), and one
// of them sits in epoll_wait. So every open waiter also wakes its wait from process "exit".
import { closeFd, epollAdd, epollCreate, epollRemove, epollWait, eventfdCreate, eventfdReset, eventfdSignal } from "./sys/index.js";

export class FdWaiter {
  #epfd: number;
  #eventfd: number;
  #pending: Promise<number[]> | undefined;
  #closed = false;
  readonly #onExit = (): void => this.interrupt();

  constructor() {
    this.#epfd = epollCreate();
    try {
      this.#eventfd = eventfdCreate();
      epollAdd(this.#epfd, this.#eventfd);
    } catch (e) {
      closeFd(this.#epfd);
      throw e;
    }
    process.on("exit", this.#onExit);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Watch `fd` (level-triggered EPOLLIN). */
  add(fd: number): void {
    epollAdd(this.#epfd, fd);
  }

  remove(fd: number): void {
    if (!this.#closed) epollRemove(this.#epfd, fd);
  }

  /**
   * Resolve with the watched fds that are ready, [] when interrupted or timed out. Only one wait
   * may be outstanding. Callers drain their sources before waiting (ring buffer lost-wakeup rule).
   */
  wait(timeoutMs = -1): Promise<number[]> {
    if (this.#closed) return Promise.resolve([]);
    if (this.#pending !== undefined) throw new Error("FdWaiter.wait: a wait is already outstanding");
    const run = (async () => {
      try {
        const fds = await epollWait(this.#epfd, 16, timeoutMs);
        if (fds.includes(this.#eventfd)) eventfdReset(this.#eventfd);
        return fds.filter((fd) => fd !== this.#eventfd);
      } finally {
        this.#pending = undefined;
        if (this.#closed) this.#release();
      }
    })();
    this.#pending = run;
    return run;
  }

  /** Wake the current wait (it resolves with []). */
  interrupt(): void {
    if (!this.#closed) eventfdSignal(this.#eventfd);
  }

  /** Interrupt and release. The fds close once the threadpool call has returned. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.off("exit", this.#onExit);
    if (this.#pending === undefined) this.#release();
    else eventfdSignal(this.#eventfd);
  }

  /** Resolves once the fds are released (after close()). */
  async drained(): Promise<void> {
    await this.#pending?.catch(() => undefined);
  }

  #release(): void {
    closeFd(this.#eventfd);
    closeFd(this.#epfd);
    this.#eventfd = -1;
    this.#epfd = -1;
  }
}
