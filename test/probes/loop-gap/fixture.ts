// Run a loop fixture (test/fixtures/loops) and collect the ground truth it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const CHRT = "/usr/bin/chrt";

export const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "../../../../test/fixtures/loops");

export interface TruthBlock {
  startNs: bigint;
  endNs: bigint;
  tid: number;
}
export interface Ready {
  pid: number;
  tid: number;
  threadName: string;
}

export class Fixture {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  readonly done: Promise<TruthBlock[]>;
  readonly #blocks: TruthBlock[] = [];
  #stderr = "";

  constructor(command: string, args: string[]) {
    // The ground truth is compared to 0.5 ms. On a shared 2-core CI box a fixture that just spent
    // 50 ms on CPU is often preempted right after its block (before it reaches epoll), which
    // the kernel rightly counts in the run phase. Real-time priority (root only) keeps other
    // tests' work from landing between the kernel's timestamps and the fixture's own.
    const rt = process.getuid?.() === 0 && existsSync(CHRT);
    this.child = rt
      ? spawn(CHRT, ["--fifo", "10", command, ...args], { stdio: ["pipe", "pipe", "pipe"] })
      : spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.on("data", (d: Buffer) => (this.#stderr += d.toString()));
    const lines = createInterface({ input: this.child.stdout! }); // stdio is "pipe": stdout exists
    let onReady: (r: Ready) => void = () => undefined;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.done = new Promise((resolve, reject) => {
      let finished = false;
      lines.on("line", (line) => {
        const o: unknown = JSON.parse(line);
        if (typeof o !== "object" || o === null) return;
        const r = o as Record<string, unknown>; // fixture output: checked field by field below
        if (r["ready"] === true) onReady({ pid: Number(r["pid"]), tid: Number(r["tid"]), threadName: String(r["thread_name"]) });
        else if (r["done"] === true) finished = true;
        else this.#blocks.push({ startNs: BigInt(String(r["start_ns"])), endNs: BigInt(String(r["end_ns"])), tid: Number(r["tid"]) });
      });
      this.child.on("exit", (code) => {
        if (finished) resolve(this.#blocks);
        else reject(new Error(`fixture ${args.join(" ")} exited ${code} before done: ${this.#stderr}`));
      });
      this.child.on("error", reject);
    });
    this.ready.catch(() => undefined);
  }

  go(): void {
    this.child.stdin?.write("go\n");
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

export function pythonFixture(python: string, config: object): Fixture {
  return new Fixture(python, [join(FIXTURES, "blocker.py"), JSON.stringify(config)]);
}

export function nodeFixture(config: object): Fixture {
  return new Fixture(process.execPath, [join(FIXTURES, "blocker.mjs"), JSON.stringify(config)]);
}
