// Attaching a program to a tracepoint: perf_event_open, then BPF_LINK_CREATE (5.15) or the
// older ioctl(SET_BPF) + ioctl(ENABLE). The link owns the perf fd; closing it detaches.
import { ToolError, wrap } from "../errors.js";
import { BPF_PERF_EVENT, closeFd, ioctl, linkCreatePerfEvent, perfEventOpenTracepoint, PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_SET_BPF } from "./sys/index.js";
import { readTracepoint } from "./tracefs.js";
import type { Program } from "./program.js";

export class TracepointLink {
  #perfFd: number;
  #linkFd: number;
  readonly tracepoint: string;
  readonly via: "link" | "ioctl";

  private constructor(tracepoint: string, perfFd: number, linkFd: number) {
    this.tracepoint = tracepoint;
    this.#perfFd = perfFd;
    this.#linkFd = linkFd;
    this.via = linkFd >= 0 ? "link" : "ioctl";
  }

  /** Attach `program` to `category/name`; undefined when the kernel has no such tracepoint. */
  static attach(program: Program, category: string, name: string, preferLink = true): TracepointLink | undefined {
    const what = `attach ${category}/${name}`;
    const tp = readTracepoint(category, name);
    if (tp === undefined) return undefined;
    let perfFd = -1;
    try {
      perfFd = perfEventOpenTracepoint(tp.id);
      let linkFd = -1;
      if (preferLink) {
        try {
          linkFd = linkCreatePerfEvent(program.fd, perfFd, BPF_PERF_EVENT);
        } catch (e) {
          // Before 5.15 link_create refuses perf events (EINVAL/EOPNOTSUPP...): fall back to ioctl.
          if (!(e instanceof ToolError) || e.kind === "permission") throw e;
        }
      }
      if (linkFd < 0) ioctl("perf ioctl set bpf", perfFd, PERF_EVENT_IOC_SET_BPF, program.fd);
      ioctl("perf ioctl enable", perfFd, PERF_EVENT_IOC_ENABLE, 0);
      return new TracepointLink(`${category}/${name}`, perfFd, linkFd);
    } catch (e) {
      closeFd(perfFd);
      throw wrap(what, e);
    }
  }

  close(): void {
    closeFd(this.#linkFd);
    closeFd(this.#perfFd);
    this.#linkFd = -1;
    this.#perfFd = -1;
  }
}
