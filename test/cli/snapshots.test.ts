// Golden CLI snapshots: stdout, stderr and exit code of the built binary, as Markdown files in
// test/cli/snapshots/. UPDATE_SNAPSHOTS=1 rewrites them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli, type CliResult, copyBuild } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";

const dir = path.join(repoRoot, "test/cli/snapshots");

function render(args: readonly string[], r: CliResult): string {
  const block = (s: string) => "```text\n" + s + (s.endsWith("\n") || s === "" ? "" : "\n") + "```\n";
  return `# blocksnoop ${args.join(" ")}\n\nexit code: ${r.code}\n\n## stdout\n\n${block(r.stdout)}\n## stderr\n\n${block(r.stderr)}`;
}

function check(name: string, args: readonly string[], r: CliResult): void {
  const file = path.join(dir, `${name}.md`);
  const actual = render(args, r);
  if (process.env["UPDATE_SNAPSHOTS"] === "1" || !fs.existsSync(file)) {
    fs.writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, fs.readFileSync(file, "utf8"), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}

const cases: Array<{ name: string; args: string[]; root?: boolean }> = [
  { name: "help", args: ["--help"] },
  { name: "version", args: ["--version"] },
  { name: "dump-help", args: ["dump", "--help"] },
  { name: "no-arguments", args: [] },
  { name: "unknown-option", args: ["--bogus", "1"] },
  { name: "negative-threshold", args: ["-t", "-5", "1"] },
  { name: "zero-threshold-without-stats", args: ["-t", "0", "1"] },
  { name: "bad-tid", args: ["--tid", "x", "1"] },
  { name: "pid-not-a-number", args: ["12abc"] },
  { name: "pids-and-command", args: ["1", "--", "python3"] },
  { name: "tid-with-two-pids", args: ["--tid", "5", "1", "2"] },
  { name: "all-with-pid", args: ["--all", "1"] },
  { name: "match-bad-regex", args: ["--match", "("] },
  { name: "metrics-bad-address", args: ["--metrics", "9464", "1"] },
  { name: "doctor-help", args: ["doctor", "--help"] },
  { name: "pid-does-not-exist", args: ["4194000"], root: true },
  { name: "pid-is-kernel-thread", args: ["2"], root: true },
  { name: "tid-not-in-process", args: ["--tid", "4194000", "1"], root: true },
  { name: "command-not-found", args: ["--", "no-such-command-xyz"], root: true },
  { name: "log-file-unusable", args: ["--log-file", "/nonexistent-dir/x.log", "1"], root: true },
];

for (const c of cases) {
  test(`cli snapshot: ${c.name}`, (t) => {
    if (c.root === true && !requireRoot(t)) return;
    check(c.name, c.args, runCli(c.args, { cwd: repoRoot }));
  });
}

test("cli snapshot: not root (run as an unprivileged user)", (t) => {
  if (!requireRoot(t)) return; // needs root to switch to another user
  // Copy the built tool somewhere an unprivileged user can read, whatever the clone's location.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "blocksnoop-unpriv-"));
  try {
    copyBuild(tmp);
    fs.cpSync(path.join(repoRoot, "package.json"), path.join(tmp, "package.json"));
    for (const m of ["commander", "koffi", "@koromix"]) fs.cpSync(path.join(repoRoot, "node_modules", m), path.join(tmp, "node_modules", m), { recursive: true });
    fs.chmodSync(tmp, 0o755);
    const args = ["1"];
    const r = runCli(args, { cwd: tmp, bin: path.join(tmp, path.relative(repoRoot, cliPath)), prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] });
    check("not-root", args, r);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

