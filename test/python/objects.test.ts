import { test } from "node:test";
import assert from "node:assert/strict";
import { SnapshotMemory, type Region } from "../../src/python/memory/snapshot.js";
import { ObjectReader } from "../../src/python/objects.js";
import { layout312 } from "../../src/python/layout/v3_12.js";
import { layout311 } from "../../src/python/layout/v3_11.js";
import { TornRead } from "../../src/python/memory/types.js";

const v = (minor: number) => ({ major: 3, minor, micro: 0, hex: (3 << 24) | (minor << 16) });

/** A compact str object as CPython 3.12 lays it out. */
function str312(addr: bigint, s: string): Region {
  const cps = [...s].map((c) => c.codePointAt(0) ?? 0);
  const max = Math.max(0, ...cps);
  const kind = max < 256 ? 1 : max < 65536 ? 2 : 4;
  const ascii = max < 128;
  const b = Buffer.alloc(128);
  b.writeBigInt64LE(BigInt(cps.length), 16);
  b.writeUInt32LE((kind << 2) | (1 << 5) | ((ascii ? 1 : 0) << 6), 32);
  const at = ascii ? 40 : 56;
  cps.forEach((cp, i) => {
    if (kind === 1) b.writeUInt8(cp, at + i);
    else if (kind === 2) b.writeUInt16LE(cp, at + 2 * i);
    else b.writeUInt32LE(cp, at + 4 * i);
  });
  return { addr, bytes: new Uint8Array(b) };
}

test("reads ASCII, latin-1, UCS-2 and UCS-4 strings (3.12 layout)", () => {
  const cases = ["deep", "méthode_ünïcode", "h€llo", "h😀x", ""];
  const regions = cases.map((s, i) => str312(0x1000n * BigInt(i + 1), s));
  const r = new ObjectReader(new SnapshotMemory(regions), layout312(v(12)));
  cases.forEach((s, i) => assert.equal(r.str(0x1000n * BigInt(i + 1)), s));
});

test("3.11 keeps compact non-ASCII data at +72", () => {
  const b = Buffer.alloc(128);
  b.writeBigInt64LE(2n, 16);
  b.writeUInt32LE((1 << 2) | (1 << 5), 32);
  b.write("é!", 72, "latin1");
  const r = new ObjectReader(new SnapshotMemory([{ addr: 0x2000n, bytes: new Uint8Array(b) }]), layout311(v(11)));
  assert.equal(r.str(0x2000n), "é!");
});

test("torn strings are reported as TornRead, not decoded", () => {
  const b = Buffer.alloc(128);
  b.writeBigInt64LE(1n << 40n, 16); // absurd length
  b.writeUInt32LE((1 << 2) | (1 << 5) | (1 << 6), 32);
  const r = new ObjectReader(new SnapshotMemory([{ addr: 0x3000n, bytes: new Uint8Array(b) }]), layout312(v(12)));
  assert.throws(() => r.str(0x3000n), TornRead);
  assert.throws(() => r.str(0x3001n), TornRead);
  assert.throws(() => r.str(0x9000n), TornRead); // unmapped
});

test("reads bytes objects with a length cap", () => {
  const b = Buffer.alloc(64);
  b.writeBigInt64LE(3n, 16);
  b.write("abc", 32, "latin1");
  const r = new ObjectReader(new SnapshotMemory([{ addr: 0x4000n, bytes: new Uint8Array(b) }]), layout312(v(12)));
  assert.deepEqual([...r.bytes(0x4000n)], [97, 98, 99]);
  assert.throws(() => r.bytes(0x4000n, 2), TornRead);
});

test("walks a 3.11+ combined dict with unicode keys", () => {
  const dict = Buffer.alloc(48);
  dict.writeBigUInt64LE(0x6000n, 32); // ma_keys
  const keys = Buffer.alloc(32 + 8 + 2 * 16);
  keys.writeUInt8(3, 8); // log2 size
  keys.writeUInt8(3, 9); // log2 index bytes → 8 index bytes
  keys.writeUInt8(1, 10); // unicode keys
  keys.writeBigInt64LE(2n, 24); // nentries
  keys.writeBigUInt64LE(0x1000n, 40);
  keys.writeBigUInt64LE(0xaaa0n, 48);
  keys.writeBigUInt64LE(0x2000n, 56);
  keys.writeBigUInt64LE(0xbbb0n, 64);
  const mem = new SnapshotMemory([
    { addr: 0x5000n, bytes: new Uint8Array(dict) },
    { addr: 0x6000n, bytes: new Uint8Array(Buffer.concat([keys, Buffer.alloc(64)])) },
    str312(0x1000n, "asyncio.tasks"),
    str312(0x2000n, "threading"),
  ]);
  const r = new ObjectReader(mem, layout312(v(12)));
  assert.equal(r.dictGet(0x5000n, "threading"), 0xbbb0n);
  assert.equal(r.dictGet(0x5000n, "nope"), null);
});
