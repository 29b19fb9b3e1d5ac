// launch: start a command so that the probes filter on it before it runs its first instruction.
// The command starts under `sh`, which stops itself; we add its pid (kept across exec) to the
// kernel's target set, then let it continue into exec.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ToolError } from "../errors.js";
import { processState } from "./target.js";

export interface Launched {
  child: ChildProcess;
  pid: number;
  /** Let the stopped child run (after its pid is in the target set). */
  resume(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function findExecutable(cmd: string): string | undefined {
  const isExec = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes("/")) return isExec(cmd) ? cmd : undefined;
  for (const dir of (process.env["PATH"] ?? "/usr/bin:/bin").split(":")) {
    const p = path.join(dir === "" ? "." : dir, cmd);
    if (isExec(p)) return p;
  }
  return undefined;
}

/** Under sudo, run the command as the invoking user unless --user says otherwise. */
export function launchCredentials(user: string | undefined): { uid: number; gid: number } | undefined {
  if (user !== undefined) {
    const byId = /^[0-9]+$/.test(user) ? Number(user) : undefined;
    const line = fs
      .readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .map((l) => l.split(":"))
      .find((f) => (byId === undefined ? f[0] === user : Number(f[2]) === byId));
    if (line === undefined) {
      if (byId !== undefined) return { uid: byId, gid: byId };
      throw new ToolError("usage", `--user: no such user: ${user}`);
    }
    return { uid: Number(line[2]), gid: Number(line[3]) };
  }
  const uid = process.env["SUDO_UID"];
  const gid = process.env["SUDO_GID"];
  if (process.geteuid?.() === 0 && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
    return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

async function waitStopped(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = processState(pid);
    if (s === "T" || s === "t") return;
    if (s === undefined || s === "Z") throw new ToolError("io", "launch: the command's shell exited before it could be watched");
    if (Date.now() > deadline) throw new ToolError("io", "launch: the command's shell did not stop in time");
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function launch(command: readonly string[], user: string | undefined): Promise<Launched> {
  const [cmd, ...args] = command;
  if (cmd === undefined) throw new ToolError("usage", "no command to launch");
  if (findExecutable(cmd) === undefined) throw new ToolError("not-found", `command not found: ${cmd}`);
  const creds = launchCredentials(user);
  // $0 is the command, "$@" its arguments: exec keeps the pid we put in the target set.
  const child = spawn("/bin/sh", ["-c", 'kill -STOP $$ && exec "$0" "$@"', cmd, ...args], {
    stdio: "inherit",
    ...(creds === undefined ? {} : creds),
  });
  const pid = child.pid;
  if (pid === undefined) throw new ToolError("io", `launch ${cmd}: spawn failed`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  await waitStopped(pid, 5000);
  return { child, pid, exited, resume: () => process.kill(pid, "SIGCONT") };
}
