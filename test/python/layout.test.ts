import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseLayout, versionFromHex } from "../../src/python/layout/choose.js";
import { layoutFromDebugOffsets } from "../../src/python/layout/debug-offsets.js";

test("one place picks a layout for every supported minor version", () => {
  for (const minor of [8, 9, 10, 11, 12]) {
    const l = chooseLayout({ major: 3, minor, micro: 1, hex: 0 }, null);
    assert.equal(l.version.minor, minor);
    assert.equal(l.model, minor <= 10 ? "frame-object" : "interpreter-frame");
  }
});

test("3.11/3.12 tables carry the live-checked offsets", () => {
  const l11 = chooseLayout(versionFromHex(0x030b07f0), null);
  assert.equal(l11.runtime.interpretersHead, 40);
  assert.equal(l11.tstate.nativeThreadId, 160);
  assert.equal(l11.code.codeAdaptive, 184);
  const l12 = chooseLayout(versionFromHex(0x030c01f0), null);
  assert.equal(l12.interp.threadsHead, 72);
  assert.equal(l12.frame.owner, 70);
  assert.equal(l12.unicode.asciiData, 40);
});

test("unknown versions are refused with the version in the message", () => {
  assert.throws(() => chooseLayout({ major: 3, minor: 7, micro: 16, hex: 0 }, null), { kind: "unsupported-python", message: /3\.7\.16/ });
  assert.throws(() => chooseLayout({ major: 3, minor: 15, micro: 0, hex: 0 }, new Uint8Array(1000)), { kind: "unsupported-python", message: /3\.15\.0/ });
  assert.throws(() => chooseLayout({ major: 3, minor: 13, micro: 0, hex: 0 }, null), { kind: "unsupported-python" });
});

test("versionFromHex decodes PY_VERSION_HEX", () => {
  assert.deepEqual(versionFromHex(0x030d00f0), { major: 3, minor: 13, micro: 0, hex: 0x030d00f0 });
});

/** A 3.13 _Py_DebugOffsets blob with the values read live from 3.13.0 (research notes §2.3). */
function do313(): Uint8Array {
  const b = Buffer.alloc(584);
  b.write("xdebugpy", 0, "latin1");
  const set = (pos: number, v: number): void => void b.writeBigUInt64LE(BigInt(v), pos);
  set(8, 0x030d00f0);
  set(40, 632);
  set(64, 7264); set(72, 7344); set(88, 7656); set(136, 7768); set(144, 7760);
  set(152, 304); set(168, 8); set(184, 72); set(192, 152); set(200, 160); set(208, 232);
  set(224, 80); set(232, 8); set(240, 0); set(248, 56); set(256, 72); set(264, 70);
  set(280, 112); set(288, 120); set(296, 128); set(304, 136); set(312, 68); set(328, 96); set(344, 200);
  set(408, 24); set(520, 16); set(528, 32); set(544, 32); set(552, 16); set(560, 40);
  return new Uint8Array(b);
}

test("3.13 layout comes from the target's _Py_DebugOffsets", () => {
  const l = layoutFromDebugOffsets(versionFromHex(0x030d00f0), do313(), null);
  assert.equal(l.runtime.interpretersHead, 632);
  assert.equal(l.interp.threadsHead, 7344);
  assert.deepEqual(l.tstate.top, { kind: "direct", offset: 72 });
  assert.equal(l.tstate.nativeThreadId, 160);
  assert.equal(l.frame.owner, 70);
  assert.equal(l.code.codeAdaptive, 200);
  assert.equal(l.unicode.compactData, 56);
  assert.deepEqual(l.gil, { kind: "interp", holder: 7760, locked: 7768 });
  assert.deepEqual(l.asyncio?.loop, { kind: "tstate-field", offset: 304 });
});

test("absurd _Py_DebugOffsets values are refused, not used", () => {
  const b = do313();
  new DataView(b.buffer).setBigUint64(72, 1n << 40n, true);
  assert.throws(() => layoutFromDebugOffsets(versionFromHex(0x030d00f0), b, null), { kind: "unsupported-python" });
});

test("aarch64 differs only in 3.11's tstate_current", () => {
  const v = versionFromHex(0x030b07f0);
  assert.deepEqual(chooseLayout(v, null, null, "aarch64").gil, { kind: "runtime-current", offset: 592 });
  assert.deepEqual(chooseLayout(v, null, null, "x86_64").gil, { kind: "runtime-current", offset: 576 });
});
