// Every CPython the machine can provide for integration tests: pyenv 3.8–3.13, Debian's static
// /usr/bin/python3.11, and 3.14 from Debian unstable via scripts/get-python314.sh. A missing
// interpreter fails the test run (no silent skip).
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "./fixtures.js";

export interface Interp {
  label: string;
  path: string;
  minor: number;
}

const PYENV = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"];

let cached: Interp[] | null = null;

export function interpreters(): Interp[] {
  if (cached !== null) return cached;
  const out: Interp[] = PYENV.map((v) => ({ label: `pyenv ${v}`, path: `/root/.pyenv/versions/${v}/bin/python3`, minor: Number(v.split(".")[1]) }));
  out.push({ label: "debian static 3.11", path: "/usr/bin/python3.11", minor: 11 });
  for (const i of out) if (!existsSync(i.path)) throw new Error(`interpreter ${i.label} missing at ${i.path}`);
  const py314 = execFileSync(resolve(repoRoot, "scripts/get-python314.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 300_000 }).trim().split("\n").pop() ?? "";
  if (!existsSync(py314)) throw new Error(`scripts/get-python314.sh did not provide an interpreter (got ${JSON.stringify(py314)})`);
  out.push({ label: "debian unstable 3.14", path: py314, minor: 14 });
  cached = out;
  return out;
}

export interface Target {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  first: unknown; // the first JSON line the target printed
  stop(): Promise<void>;
}

/** Start `python script args…`, wait for its first stdout line (JSON); with `threads`, also wait
 * until the process has exactly that many threads (a reporter thread may still be exiting). */
export async function startTarget(py: string, script: string, args: string[] = [], opts: { threads?: number } = {}): Promise<Target> {
  const t = await spawnTarget(py, script, args, 20_000);
  for (let i = 0; opts.threads !== undefined && i < 200; i++) {
    let n = 0;
    try {
      n = readdirSync(`/proc/${t.pid}/task`).length;
    } catch {
      break;
    }
    if (n === opts.threads) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return t;
}

function spawnTarget(py: string, script: string, args: string[], timeoutMs: number): Promise<Target> {
  const child = spawn(py, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`target ${py} ${script} printed nothing in ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`target exited early (${code}): ${err}`));
    });
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const stop = (): Promise<void> =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once("exit", () => done());
          child.stdin.end("\n");
          setTimeout(() => child.kill("SIGKILL"), 3000).unref();
        });
      try {
        res({ child, pid: child.pid ?? 0, first: JSON.parse(out.slice(0, nl)) as unknown, stop });
      } catch (e) {
        child.kill("SIGKILL");
        rej(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
