// Runs *inside* a PID namespace (the test starts it with `unshare --pid --fork --mount-proc`), as
// the tool would in `kubectl debug --target`: starts a Python loop fixture in the same namespace,
// opens the loop-gap probe with the namespace toolPidNamespace() chooses, and prints one JSON
// object per line: {kind: "ns"|"ready"|"event"|"truth"|"done"|"error", ...} (bigints as strings).
// Usage: node dist/test/ns/driver.js '{"viaShell": false, "hold": false}'
// hold: after "ready", wait for a line on stdin before the fixture goes (the test looks around).
import { join } from "node:path";
import { createInterface } from "node:readline";
import { LoopGapProbe, toolPidNamespace, type GapEvent } from "../../src/probes/loop-gap/index.js";
import { Fixture, FIXTURES } from "../probes/loop-gap/fixture.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

function out(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
}

async function main(): Promise<void> {
  const parsed: unknown = JSON.parse(process.argv[2] ?? "{}");
  const flag = (name: string): boolean => typeof parsed === "object" && parsed !== null && (parsed as Record<string, unknown>)[name] === true; // JSON object: read by key
  const viaShell = flag("viaShell");
  const hold = flag("hold");
  const ns = toolPidNamespace();
  out({ kind: "ns", self: process.pid, ...(ns === undefined ? {} : { dev: ns.dev, ino: ns.ino }) });
  const cfg = JSON.stringify({ blocks: [{ ms: 50, how: "busy" }, { ms: 40, how: "sleep" }] });
  // viaShell: the target is a shell whose child (forked after the probe is open) runs the loop
  const f = viaShell
    ? new Fixture("/bin/sh", ["-c", 'read x; "$0" "$@"; true', PYTHON, join(FIXTURES, "blocker.py"), cfg])
    : new Fixture(PYTHON, [join(FIXTURES, "blocker.py"), cfg]);
  try {
    if (!viaShell) await f.ready;
    // no pidNamespace: the probe chooses toolPidNamespace() itself
    const probe = await LoopGapProbe.open({ pids: [f.child.pid!], thresholdNs: 30_000_000n, stats: false }); // spawned: it has a pid
    out({ kind: "probe", ino: probe.pidNamespace?.ino, dev: probe.pidNamespace?.dev });
    try {
      const events: GapEvent[] = [];
      const collected = (async () => {
        for await (const e of probe.events()) events.push(e);
      })();
      if (viaShell) f.child.stdin?.write("start\n");
      const ready = await f.ready;
      out({ kind: "ready", pid: ready.pid, tid: ready.tid, target: f.child.pid, targets: probe.targets() });
      if (hold) {
        const lines = createInterface({ input: process.stdin });
        await new Promise<void>((resolve) => lines.once("line", () => resolve()));
        lines.close();
      }
      f.go();
      const truth = await f.done;
      probe.close();
      await collected;
      for (const e of events) out({ kind: "event", ...e });
      for (const b of truth) out({ kind: "truth", ...b });
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    f.kill();
  }
  out({ kind: "done" });
}

// Only when called with a config: `node --test dist/test/` also loads every .js under test/.
if (process.argv[2] !== undefined) {
  main().catch((e: unknown) => {
    out({ kind: "error", message: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exitCode = 1;
  });
}
