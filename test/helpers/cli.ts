// Runs the built CLI as a user would, capturing stdout, stderr and the exit code.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import fs from "node:fs";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The build these tests were compiled into (dist/ by default; any `tsc --outDir` at the same depth works). */
export const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = path.join(buildRoot, "src/cli/main.js");
/** Copy the built tool under `tmp`, at the same place relative to the root as in the repository. */
export function copyBuild(tmp: string): void {
  const rel = path.relative(repoRoot, buildRoot);
  fs.cpSync(path.join(buildRoot, "src"), path.join(tmp, rel, "src"), { recursive: true });
}

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
