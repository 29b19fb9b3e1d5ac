// discovery: --all / --match. Finds every matching process on the host, new ones included, by
// scanning /proc once a second; reports processes that appear and that go away. Never the tool
// itself (watching our own loop would feed back), never kernel threads.
import fs from "node:fs";

export interface DiscoveryOptions {
  match: RegExp | null; // tested against comm and the command line; null = every process
  onNew(pid: number): void;
  onGone(pid: number): void;
  intervalMs?: number;
}

function describe(pid: number): { comm: string; cmdline: string; kthread: boolean } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const comm = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? "";
    // "Kthread:" exists since Linux 6.0; older kernels: a kernel thread's PPid is 2 (kthreadd) or it is 2.
    const kt = /^Kthread:\s*(\d)/m.exec(status)?.[1];
    const ppid = /^PPid:\s*(\d+)/m.exec(status)?.[1];
    const kthread = kt === undefined ? pid === 2 || ppid === "2" : kt === "1";
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return { comm, cmdline, kthread };
  } catch {
    return undefined; // gone between readdir and read
  }
}

export function matches(pattern: RegExp | null, comm: string, cmdline: string): boolean {
  return pattern === null || pattern.test(comm) || pattern.test(cmdline);
}

export class Discovery {
  private readonly seen = new Set<number>();
  private readonly rejected = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DiscoveryOptions) {}

  /** One scan now, then one per interval. */
  start(): void {
    this.scan();
    this.timer = setInterval(() => this.scan(), this.o.intervalMs ?? 1000);
  }

  scan(): void {
    const live = new Set<number>();
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      live.add(pid);
      if (pid === process.pid || this.seen.has(pid) || this.rejected.has(pid)) continue;
      const d = describe(pid);
      if (d === undefined) continue;
      if (d.kthread || !matches(this.o.match, d.comm, d.cmdline)) {
        this.rejected.add(pid); // a process's name may change at exec: re-checked if its pid is reused
        continue;
      }
      this.seen.add(pid);
      this.o.onNew(pid);
    }
    for (const pid of this.seen) {
      if (!live.has(pid)) {
        this.seen.delete(pid);
        this.o.onGone(pid);
      }
    }
    for (const pid of this.rejected) if (!live.has(pid)) this.rejected.delete(pid);
  }

  get count(): number {
    return this.seen.size;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
