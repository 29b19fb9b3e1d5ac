import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, splitCommand, type WatchOptions } from "../../src/cli/options.js";
import { isToolError } from "../../src/errors.js";

function watch(argv: string[]): WatchOptions {
  const r = parseArgs(argv);
  assert.equal(r.kind, "run");
  if (r.kind !== "run" || r.options.mode !== "watch") throw new Error("not a watch");
  return r.options;
}

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.ok(isToolError(e));
    assert.equal(e.kind, "usage");
    return e.message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

test("options may follow the PID (the original tool launched '-t' here)", () => {
  const o = watch(["1234", "-t", "50"]);
  assert.deepEqual(o.pids, [1234]);
  assert.equal(o.thresholdMs, 50);
  assert.deepEqual(o.command, []);
});

test("several PIDs, options anywhere", () => {
  const o = watch(["-t", "20", "11", "--json", "22"]);
  assert.deepEqual(o.pids, [11, 22]);
  assert.equal(o.json, true);
});

test("launch mode after --, the command keeps its own options", () => {
  const o = watch(["-t", "50", "--", "python3", "-u", "app.py", "--json"]);
  assert.deepEqual(o.command, ["python3", "-u", "app.py", "--json"]);
  assert.equal(o.json, false);
});

test("launch mode without --: the first non-numeric operand starts the command", () => {
  assert.deepEqual(splitCommand(["-t", "5", "python3", "app.py", "-t", "9"]), { own: ["-t", "5"], command: ["python3", "app.py", "-t", "9"] });
  assert.deepEqual(watch(["python3", "app.py"]).command, ["python3", "app.py"]);
});

test("defaults match the original tool", () => {
  const o = watch(["1"]);
  assert.equal(o.thresholdMs, 100);
  assert.equal(o.errorThresholdMs, 500);
  assert.equal(o.service, "blocksnoop");
  assert.equal(o.env, "");
  assert.equal(o.stacks, true);
  assert.equal(o.sampleIntervalMs, 1);
});

test("--stats defaults the threshold to 0 and turns stacks off", () => {
  const o = watch(["--stats", "1"]);
  assert.equal(o.thresholdMs, 0);
  assert.equal(o.stacks, false);
});

test("--correlation-padding is accepted and changes nothing", () => {
  const a = watch(["--correlation-padding", "200", "1"]);
  assert.deepEqual(a, watch(["1"]));
});

test("bad values are usage errors naming the option", () => {
  assert.match(usageError(["-t", "-1", "1"]), /--threshold/);
  assert.match(usageError(["-t", "abc", "1"]), /--threshold/);
  assert.match(usageError(["--tid", "1.5", "1"]), /--tid/);
  assert.match(usageError(["--error-threshold", "x", "1"]), /--error-threshold/);
  assert.match(usageError(["0"]), /not a PID/);
  assert.match(usageError(["1", "1"]), /twice/);
  assert.match(usageError([]), /nothing to watch/);
  assert.match(usageError(["--user", "bob", "1"]), /launch mode/);
});

test("dump subcommand", () => {
  const r = parseArgs(["dump", "42", "--json", "--locals"]);
  assert.deepEqual(r, { kind: "run", options: { mode: "dump", pid: 42, json: true, locals: true } });
});

test("help and version exit 0 with text on stdout", () => {
  const h = parseArgs(["--help"]);
  assert.equal(h.kind, "exit");
  if (h.kind === "exit") {
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--correlation-padding/);
    assert.match(h.stdout, /exact kernel window/);
  }
});
