// The descendant programs alone against the real kernel: what sched_process_fork adds to the
// targets map and what sched_process_exit removes, read from the map itself (no pruning).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { requireRoot } from "../../helpers/root.js";
import { Program, TracepointLink, hashMap, readTracepoint, u32Key } from "../../../src/bpf/index.js";
import { exitTaskProgram, forkProgram } from "../../../src/probes/loop-gap/descendants.js";
import { PY_DIR } from "./tree.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

test("sched_process_fork adds a target's new threads and children; sched_process_exit removes them", async (t) => {
  if (!requireRoot(t)) return;
  const fork = readTracepoint("sched", "sched_process_fork")!; // exists on linux 6.18 (checked by the probe tests)
  const exitTp = readTracepoint("sched", "sched_process_exit")!;
  const childPid = fork.fields.find((f) => f.name === "child_pid")!.offset;
  const groupDead = exitTp.fields.find((f) => f.name === "group_dead")?.offset;
  const targets = hashMap("t_targets", 4, 4, 64);
  const owned: Array<{ close(): void }> = [targets];
  const py = spawn(PYTHON, [join(PY_DIR, "tree.py")], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const d = { targets };
    const pf = Program.load({ name: "t_fork", instructions: forkProgram(d, { childPid }, undefined) });
    owned.push(pf);
    const pe = Program.load({ name: "t_task_exit", instructions: exitTaskProgram(d, groupDead === undefined ? {} : { groupDead }, undefined) });
    owned.push(pe);
    owned.push(TracepointLink.attach(pf, "sched", "sched_process_fork")!, TracepointLink.attach(pe, "sched", "sched_process_exit")!);
    const keys = (): number[] => targets.keys().map((k) => k.readUInt32LE(0)).sort((a, b) => a - b);
    const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<Record<string, unknown>> => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>; // tree.py's JSON
    const pid = Number((await next())["pid"]);
    targets.update(u32Key(pid), u32Key(1));
    py.stdin.write("\n");
    const tids = ((await next())["threads"] as number[]).map(Number); // tree.py prints a list of ints
    assert.deepEqual(keys(), [pid, ...tids].sort((a, b) => a - b), "new threads' tids were added (harmless, pruned)");
    py.stdin.write("\n");
    await next();
    assert.deepEqual(keys(), [pid], "exited threads removed themselves");
    py.stdin.write("\n");
    const child = Number((await next())["child"]);
    assert.deepEqual(keys(), [pid, child].sort((a, b) => a - b), "a forked child became a target");
    py.stdin.write("\n");
    await next();
    assert.deepEqual(keys(), [pid], "the child's exit removed it");
    py.stdin.write("\n");
    await new Promise<void>((resolve) => py.once("exit", () => resolve()));
    assert.deepEqual(keys(), [], "the target's own exit removed it");
  } finally {
    py.kill("SIGKILL");
    for (const r of owned.reverse()) r.close();
  }
});
