// The whole reader (threads → frames → code → strings → lines, names, GIL) replayed over a
// recorded snapshot of a live 3.12 process: no root, no live target.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chooseLayout, versionFromHex } from "../../src/python/layout/choose.js";
import type { InterpreterImage } from "../../src/python/locate.js";
import { regionsFromJson, SnapshotMemory } from "../../src/python/memory/snapshot.js";
import { LivePython } from "../../src/python/process.js";
import type { ThreadSample } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";

interface Snap {
  pid: number;
  hex: number;
  runtime: string;
  symbols: Record<string, string>;
  maps: [string, string][];
  expect: ThreadSample[];
  regions: unknown;
}

function open(): { p: LivePython; snap: Snap } {
  const snap = JSON.parse(readFileSync(fixture("snapshot-3.12.json"), "utf8")) as Snap; // written by record-snapshot.ts
  const image: InterpreterImage = {
    path: "python3.12", hostPath: "", bias: 0n, runtime: BigInt(snap.runtime),
    symbols: new Map(Object.entries(snap.symbols).map(([k, v]) => [k, BigInt(v)])),
    fileMinor: 12, rodataVersion: null, freeThreaded: false, asyncioDebug: null, arch: "x86_64",
  };
  const maps = snap.maps.map(([s, e]) => ({ start: BigInt(s), end: BigInt(e), perms: "r--p", offset: 0n, path: "" }));
  const mem = new SnapshotMemory(regionsFromJson(snap.regions));
  return { p: new LivePython(snap.pid, mem, image, chooseLayout(versionFromHex(snap.hex), null), maps), snap };
}

test("a recorded 3.12 process reads back exactly as it did live", () => {
  const { p, snap } = open();
  const got = p.threads();
  assert.deepEqual(got, snap.expect);
  const worker = got.find((t) => t.name === "déep-wörker");
  assert.ok(worker);
  assert.ok(worker.frames.some((f) => f.function === "Outer.Inner.méthode_ünïcode"));
  assert.deepEqual(p.sampleThread(worker.tid), { ...worker, name: null });
  assert.equal(p.sampleThread(999999), null);
});

test("memory missing from the snapshot makes a torn sample, never a throw", () => {
  const { p, snap } = open();
  const worker = snap.expect.find((t) => t.name === "déep-wörker");
  assert.ok(worker);
  // Drop the code objects' cache and the regions holding strings: the walk must degrade to "torn".
  const bare = new LivePython(snap.pid, new SnapshotMemory(regionsFromJson(snap.regions).filter((r) => r.bytes.length !== 96)), p.image, p.layout, []);
  const s = bare.sampleThread(worker.tid);
  assert.equal(s?.status, "torn");
  assert.deepEqual(s?.frames, []);
  assert.match(s?.error ?? "", /read|not/);
});
