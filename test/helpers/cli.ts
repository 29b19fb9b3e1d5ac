// Runs the built CLI as a user would, capturing stdout, stderr and the exit code.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const cliPath = path.join(repoRoot, "dist/src/cli/main.js");

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function runCli(args: readonly string[], opts: SpawnSyncOptions & { bin?: string; prefix?: string[] } = {}): CliResult {
  const prefix = opts.prefix ?? [];
  const argv = [...prefix, process.execPath, opts.bin ?? cliPath, ...args];
  const [cmd, ...rest] = argv;
  const r = spawnSync(cmd ?? process.execPath, rest, {
    encoding: "utf8",
    timeout: 60_000,
    ...opts,
    env: { ...process.env, NO_COLOR: "1", ...(opts.env ?? {}) },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.status };
}
