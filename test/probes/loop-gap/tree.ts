// Process trees for the descendant tests: servers started through a shell that waits for a line
// on stdin, so the probe can be open (and the shell a target) before anything forks.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PY_DIR = join(fileURLToPath(new URL(".", import.meta.url)), "../../../../test/probes/loop-gap/py");
const CHRT = "/usr/bin/chrt";

/** `sh -c 'read x; exec "$@"'` at real-time priority (as fixture.ts, for the same reason); write a line to start it. */
export function gatedSpawn(command: string, args: readonly string[], cwd?: string): ChildProcess {
  const sh = ["/bin/sh", "-c", 'read x; exec "$@"', "sh", command, ...args];
  const rt = process.getuid?.() === 0 && existsSync(CHRT);
  const [cmd, ...rest] = rt ? [CHRT, "--fifo", "10", ...sh] : sh;
  return spawn(cmd!, rest, { stdio: ["pipe", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) }); // cmd: the array is non-empty
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** GET http://127.0.0.1:port/path → body, or undefined when nothing answers. */
export function httpGet(port: number, path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path, agent: false, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
  });
}

/** SIGTERM (servers stop their workers), then SIGKILL after `ms`. */
export async function stop(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}
