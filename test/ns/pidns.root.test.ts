// PID namespaces both ways, with namespaces the test makes itself (unshare --pid --fork --mount-proc).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { requireRoot } from "../helpers/root.js";
import { LoopGapProbe, nsTids, toolPidNamespace } from "../../src/probes/loop-gap/index.js";
import { Fixture, FIXTURES } from "../probes/loop-gap/fixture.js";
import { assertBlocksReported, collect } from "../probes/loop-gap/match.js";
import { outerPids } from "./procs.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";
const UNSHARE = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] as const;
const DRIVER = join(fileURLToPath(new URL(".", import.meta.url)), "driver.js");

test("tool in the root namespace, target in its own PID namespace: detected with root-namespace ids; nsTids translates", async (t) => {
  if (!requireRoot(t)) return;
  assert.equal(toolPidNamespace(), undefined, "the test itself runs in the initial PID namespace");
  const f = new Fixture(UNSHARE[0], [...UNSHARE.slice(1), PYTHON, join(FIXTURES, "blocker.py"), JSON.stringify({ blocks: [{ ms: 50, how: "busy" }, { ms: 40, how: "sleep" }] })]);
  try {
    const ready = await f.ready; // ids as the target sees them (it is its namespace's pid 1)
    const unsharePid = f.child.pid!; // spawned: it has a pid (chrt exec'd unshare)
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim().split(/\s+/).map(Number);
    assert.equal(children.length, 1);
    const pid = children[0]!; // length checked above
    assert.notEqual(pid, ready.pid, "the target's pid differs inside and outside its namespace");
    const map = nsTids(pid);
    assert.equal(map.get(pid), ready.pid);
    const rootTid = [...map].find(([, ns]) => ns === ready.tid)?.[0];
    assert.ok(rootTid !== undefined);
    const probe = await LoopGapProbe.open({ pids: [pid], thresholdNs: 30_000_000n, stats: false });
    try {
      const events = collect(probe.events());
      f.go();
      const truth = await f.done;
      probe.close();
      const got = await events;
      assert.ok(got.length > 0 && got.every((e) => e.pid === pid && e.tid === rootTid), "root-namespace pid/tid in events");
      assertBlocksReported(got, truth.map((b) => ({ ...b, tid: rootTid })));
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    f.kill();
  }
});

interface DriverOutput {
  ns: Record<string, unknown>;
  probe: Record<string, unknown>;
  ready: Record<string, unknown>;
  events: Array<{ pid: number; tid: number; startNs: bigint; endNs: bigint }>;
  truth: Array<{ tid: number; startNs: bigint; endNs: bigint }>;
  outer: number[];
}

/** Run the driver in a fresh PID namespace; at "ready", find the target from outside, then let it go. */
async function runDriver(config: object): Promise<DriverOutput> {
  const child = spawn("/usr/bin/chrt", ["--fifo", "10", ...UNSHARE, process.execPath, DRIVER, JSON.stringify({ ...config, hold: true })], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const o: DriverOutput = { ns: {}, probe: {}, ready: {}, events: [], truth: [], outer: [] };
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const r = JSON.parse(line) as Record<string, unknown>; // our driver's output: fields read by name below
      if (r["kind"] === "ns") o.ns = r;
      else if (r["kind"] === "probe") o.probe = r;
      else if (r["kind"] === "ready") {
        o.ready = r;
        o.outer = outerPids(String(o.ns["ino"]), Number(r["pid"]));
        child.stdin.write("go\n");
      } else if (r["kind"] === "event") o.events.push({ pid: Number(r["pid"]), tid: Number(r["tid"]), startNs: BigInt(String(r["startNs"])), endNs: BigInt(String(r["endNs"])) });
      else if (r["kind"] === "truth") o.truth.push({ tid: Number(r["tid"]), startNs: BigInt(String(r["startNs"])), endNs: BigInt(String(r["endNs"])) });
      else if (r["kind"] === "error") throw new Error(`driver: ${String(r["message"])}`);
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  assert.ok(o.truth.length > 0, `driver produced no truth: ${stderr}`);
  return o;
}

for (const viaShell of [false, true]) {
  test(`tool inside the target's PID namespace${viaShell ? " (target forked by a targeted shell after open)" : ""}: events carry the namespace's ids`, async (t) => {
    if (!requireRoot(t)) return;
    const o = await runDriver({ viaShell });
    assert.equal(o.ns["self"], 1, "the driver is its namespace's pid 1");
    assert.ok(o.ns["ino"] !== undefined && o.ns["ino"] !== "4026531836", "toolPidNamespace() chose the namespace");
    assert.equal(o.probe["ino"], o.ns["ino"], "the probe chose it by itself");
    const nsPid = Number(o.ready["pid"]);
    assert.equal(o.outer.length, 1, `found the target from outside: ${o.outer.join(",")}`);
    assert.notEqual(o.outer[0], nsPid, "the target's pid inside differs from outside");
    assert.ok(o.events.length > 0 && o.events.every((e) => e.pid === nsPid && e.tid === nsPid), "namespace-local pid/tid in events");
    assertBlocksReported(o.events, o.truth);
  });
}
