import { test } from "node:test";
import assert from "node:assert/strict";
import { detectVersion } from "../../src/python/open.js";
import type { InterpreterImage } from "../../src/python/locate.js";
import { SnapshotMemory } from "../../src/python/memory/snapshot.js";

const image = (over: Partial<InterpreterImage>): InterpreterImage => ({
  path: "/usr/lib/libpython3.so", hostPath: "", bias: 0n, runtime: 0x1000n, symbols: new Map(),
  fileMinor: null, rodataVersion: null, freeThreaded: false, asyncioDebug: null, arch: "x86_64", ...over,
});
const head = (cookie: string, hex: number, ft: number): Uint8Array => {
  const b = Buffer.alloc(24);
  b.write(cookie, 0, "latin1");
  b.writeBigUInt64LE(BigInt(hex), 8);
  b.writeBigUInt64LE(BigInt(ft), 16);
  return new Uint8Array(b);
};
const none = new SnapshotMemory([]);

test("3.13+: version from _Py_DebugOffsets; free-threaded builds are refused", () => {
  assert.equal(detectVersion(none, image({}), head("xdebugpy", 0x030d00f0, 0)).minor, 13);
  assert.throws(() => detectVersion(none, image({}), head("xdebugpy", 0x030d00f0, 1)), { kind: "unsupported-python", message: /3\.13\.0 is a free-threaded build/ });
  assert.throws(() => detectVersion(none, image({ freeThreaded: true }), head("xdebugpy", 0x030e00f0, 0)), { kind: "unsupported-python" });
});

test("3.11/3.12: Py_Version; older: PY_VERSION in .rodata or the file name", () => {
  const pv = Buffer.alloc(8);
  pv.writeUInt32LE(0x030c01f0, 0);
  const mem = new SnapshotMemory([{ addr: 0x2000n, bytes: new Uint8Array(pv) }]);
  assert.deepEqual(detectVersion(mem, image({ symbols: new Map([["Py_Version", 0x2000n]]) }), new Uint8Array(24)), { major: 3, minor: 12, micro: 1, hex: 0x030c01f0 });
  assert.equal(detectVersion(none, image({ rodataVersion: "3.9.18" }), new Uint8Array(24)).micro, 18);
  assert.equal(detectVersion(none, image({ fileMinor: 10 }), new Uint8Array(24)).minor, 10);
  assert.throws(() => detectVersion(none, image({ fileMinor: 7 }), new Uint8Array(24)), { kind: "unsupported-python", message: /3\.7\.0/ });
  assert.throws(() => detectVersion(none, image({}), new Uint8Array(24)), { kind: "unsupported-python" });
});
