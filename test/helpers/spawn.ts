// An asynchronous child with captured output, for tests that talk to a running process.
import { spawn, type ChildProcess } from "node:child_process";

export class Running {
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;

  constructor(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...env } });
    this.child.stdout?.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    this.child.stderr?.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on("close", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("not started");
    return this.child.pid;
  }

  /** Resolves when `pattern` appears in stderr (or stdout), rejects after `ms`. */
  async waitFor(pattern: RegExp, ms = 15_000, stream: "stderr" | "stdout" = "stderr"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this[stream])) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${stream}:\n${this[stream]}\n--- other:\n${stream === "stderr" ? this.stdout : this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`exited (${this.child.exitCode}) before ${pattern}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  kill(sig: NodeJS.Signals = "SIGKILL"): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }
}
