// Shared helpers of the benchmark scripts: child processes with captured output, /proc readings,
// statistics and table printing. Benchmarks print tables; they never assert on timings.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

/** The build this script belongs to: <outDir>/bench/lib/util.js → <outDir> (dist/, or a private
 * `npx tsc -p . --outDir bench/.dist` build that others' rebuilds of dist/ cannot disturb). */
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The repository root: the nearest ancestor of the build holding bench/targets. */
export const REPO = findRepo(OUT);
/** The CLI of the same build as this script. */
export const CLI = resolve(OUT, "src/cli/main.js");

function findRepo(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, "bench/targets")) && existsSync(resolve(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository with bench/targets above ${from}`);
  }
}
export const TARGETS = resolve(REPO, "bench/targets");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Child {
  stdout = "";
  stderr = "";
  readonly child: ChildProcess;
  readonly spawnedAtNs = process.hrtime.bigint();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters: Array<() => void> = [];

  constructor(cmd: string, args: readonly string[], opts: { stdin?: "pipe" | "ignore"; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(cmd, args, { stdio: [opts.stdin ?? "ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...opts.env } });
    const poke = () => {
      for (const w of this.#waiters.splice(0)) w();
    };
    this.child.stdout?.setEncoding("utf8").on("data", (d: string) => ((this.stdout += d), poke()));
    this.child.stderr?.setEncoding("utf8").on("data", (d: string) => ((this.stderr += d), poke()));
    this.exited = new Promise((res) => this.child.on("close", (code, signal) => (poke(), res({ code, signal }))));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("child not started");
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with hrtime (ns) of the moment `pattern` was seen in the stream. */
  async waitFor(pattern: RegExp, ms = 20_000, stream: "stdout" | "stderr" = "stderr"): Promise<bigint> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (pattern.test(this[stream])) return process.hrtime.bigint();
      if (!this.alive) throw new Error(`exited before ${pattern} in ${stream}:\n${this.stderr}\n${this.stdout}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern} in ${stream}:\n${this.stderr}\n${this.stdout}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.#waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** JSON objects printed one per line on stdout. */
  jsonLines(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.stdout.split("\n")) {
      const t = line.trim();
      if (!t.startsWith("{")) continue;
      try {
        out.push(JSON.parse(t) as Record<string, unknown>);
      } catch {
        /* a partial line */
      }
    }
    return out;
  }

  send(text: string): void {
    this.child.stdin?.write(text);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) {
      await this.exited;
      return;
    }
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.signal("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** Kill every child still alive at exit (a bench that throws must not leave targets behind). */
const live = new Set<Child>();
export function track<T extends Child>(c: T): T {
  live.add(c);
  void c.exited.then(() => live.delete(c));
  return c;
}
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(3000)));
}
process.on("exit", () => {
  for (const c of live) c.signal("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const c of live) c.signal("SIGKILL");
    process.exit(130);
  });
}

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64/arm64

/** utime+stime of a process (all its threads) in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS / VmHWM in MiB, and VmRSS split into anonymous memory and mapped files (RssAnon, RssFile: the node binary, libraries; RssShmem: BPF ring buffers). */
export function memoryMiB(pid: number): { rss: number; hwm: number; anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024, shmem: kb("RssShmem") / 1024 };
}

export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(" ");
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] ?? NaN) + ((s[hi] ?? NaN) - (s[lo] ?? NaN)) * (pos - lo);
}

/** "median [min … max]" of a series. */
export function spread(xs: readonly number[], digits = 0, unit = ""): string {
  if (xs.length === 0) return "–";
  const f = (x: number) => x.toFixed(digits) + unit;
  return `${f(median(xs))} [${f(Math.min(...xs))} … ${f(Math.max(...xs))}]`;
}

/** A plain-text table (also valid Markdown). */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

export function header(title: string): void {
  console.log(`\n## ${title}`);
  console.log(`${new Date().toISOString()}  load average: ${loadAverage()}  node ${process.version}  ${buildOf()}`);
}

/** The commit the repository is at (and whether src/ had uncommitted changes: what was built). */
function buildOf(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `commit ${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "src") === "" ? "" : " (src/ modified)"}`;
  } catch {
    return "commit unknown";
  }
}

/** Command-line flags: --name value / --name=value. */
export function flag(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === `--${name}`) return argv[i + 1] ?? fallback;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return fallback;
}
export const hasFlag = (name: string) => process.argv.slice(2).includes(`--${name}`);

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    console.error("this benchmark loads BPF programs: run it as root");
    process.exit(4);
  }
  if (!existsSync(CLI)) {
    console.error(`${CLI} missing: run npm run build first`);
    process.exit(1);
  }
}

/** The pyenv CPython used as the default Python target. */
export const DEFAULT_PYTHON = existsSync("/root/.pyenv/versions/3.12.1/bin/python3") ? "/root/.pyenv/versions/3.12.1/bin/python3" : "python3";

export interface BusyResult {
  iterations: number;
  seconds: number;
  rate: number;
  /** The target's own CPU seconds over the window (thread CPU clock for Python, process for Node). */
  cpuS: number;
  /** iterations per CPU second of the target: the tracepoint/BPF cost is charged to the target's
   * CPU time, so this is much less sensitive to other load on the machine than `rate`. */
  cpuRate: number;
}

/** A busy-loop target (bench/targets/busy_*.{py,mjs}) driven over stdin: `run(seconds)`. */
export class BusyTarget {
  readonly proc: Child;
  #results = 0;

  constructor(readonly kind: "python" | "node", python = DEFAULT_PYTHON) {
    const [cmd, args] = kind === "python" ? [python, [resolve(TARGETS, "busy_asyncio.py")]] : [process.execPath, [resolve(TARGETS, "busy_node.mjs")]];
    this.proc = track(new Child(cmd, args, { stdin: "pipe" }));
  }

  get pid(): number {
    return this.proc.pid;
  }

  async ready(): Promise<void> {
    await this.proc.waitFor(/"ready"/, 20_000, "stdout");
  }

  /** Count busy iterations for `seconds`. */
  run(seconds: number): Promise<BusyResult> {
    return this.command(`run ${seconds}`, seconds);
  }

  /** `run S`, `block S MS` (Python only) or `idle S` (Python only); see bench/targets/busy_asyncio.py. */
  async command(cmd: string, seconds: number): Promise<BusyResult> {
    const want = ++this.#results;
    this.proc.send(`${cmd}\n`);
    for (;;) {
      await this.proc.waitFor(/"iterations"/, seconds * 1000 + 20_000, "stdout");
      const results = this.proc.jsonLines().filter((o) => "iterations" in o);
      const r = results[want - 1];
      if (r !== undefined) {
        const iterations = Number(r["iterations"]);
        const cpuS = Number(r["cpu_s"]);
        return { iterations, seconds: Number(r["seconds"]), rate: Number(r["rate"]), cpuS, cpuRate: iterations / cpuS };
      }
      await sleep(5);
    }
  }

  async quit(): Promise<void> {
    this.proc.send("quit\n");
    const t = setTimeout(() => this.proc.signal("SIGKILL"), 3000);
    await this.proc.exited;
    clearTimeout(t);
  }
}
