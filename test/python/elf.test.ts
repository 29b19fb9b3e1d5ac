import { test } from "node:test";
import assert from "node:assert/strict";
import { bufferSource, ElfFile } from "../../src/python/elf.js";

/** A minimal ELF64: one PT_LOAD, .dynsym/.dynstr with _PyRuntime and Py_Version, a .PyRuntime section. */
function buildElf(opts: { type: number; vaddr: bigint }): Uint8Array {
  const b = Buffer.alloc(4096);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(opts.type, 16);
  b.writeUInt16LE(62, 18);
  b.writeBigUInt64LE(64n, 32); // phoff
  b.writeBigUInt64LE(1024n, 40); // shoff
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(5, 60); // null, .dynsym, .dynstr, .shstrtab, .PyRuntime
  b.writeUInt16LE(3, 62);
  // PT_LOAD
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(opts.vaddr, 80);
  b.writeBigUInt64LE(0x1000n, 96);
  b.writeBigUInt64LE(0x1000n, 104);
  b.writeBigUInt64LE(0x1000n, 112);
  // .dynstr at 512, .shstrtab at 600, .dynsym at 256
  const dynstr = "\0_PyRuntime\0Py_Version\0";
  b.write(dynstr, 512, "latin1");
  const shstr = "\0.dynsym\0.dynstr\0.shstrtab\0.PyRuntime\0";
  b.write(shstr, 600, "latin1");
  const sym = (i: number, name: number, value: bigint, size: bigint): void => {
    const o = 256 + i * 24;
    b.writeUInt32LE(name, o);
    b.writeUInt16LE(5, o + 6); // defined in some section
    b.writeBigUInt64LE(value, o + 8);
    b.writeBigUInt64LE(size, o + 16);
  };
  sym(1, 1, opts.vaddr + 0x500n, 0x100n);
  sym(2, 12, opts.vaddr + 0x600n, 8n);
  const sh = (i: number, name: number, type: number, addr: bigint, off: number, size: number, link = 0): void => {
    const o = 1024 + i * 64;
    b.writeUInt32LE(name, o);
    b.writeUInt32LE(type, o + 4);
    b.writeBigUInt64LE(addr, o + 16);
    b.writeBigUInt64LE(BigInt(off), o + 24);
    b.writeBigUInt64LE(BigInt(size), o + 32);
    b.writeUInt32LE(link, o + 40);
  };
  sh(1, 1, 11, 0n, 256, 72, 2);
  sh(2, 9, 3, 0n, 512, dynstr.length);
  sh(3, 17, 3, 0n, 600, shstr.length);
  sh(4, 27, 1, opts.vaddr + 0x500n, 0x500, 0x100);
  return new Uint8Array(b);
}

test("reads PT_LOAD, sections and .dynsym symbols; PIE bias from the mapping", () => {
  const elf = new ElfFile(bufferSource(buildElf({ type: 3, vaddr: 0n })));
  assert.equal(elf.type, 3);
  assert.equal(elf.loads.length, 1);
  const syms = elf.symbols(["_PyRuntime", "Py_Version", "missing"]);
  assert.equal(syms.get("_PyRuntime")?.value, 0x500n);
  assert.equal(syms.get("Py_Version")?.size, 8n);
  assert.equal(syms.has("missing"), false);
  assert.equal(elf.sections.get(".PyRuntime")?.addr, 0x500n);
  assert.equal(elf.bias(0x7f0000000000n), 0x7f0000000000n);
});

test("non-PIE executables have zero bias", () => {
  const elf = new ElfFile(bufferSource(buildElf({ type: 2, vaddr: 0x400000n })));
  assert.equal(elf.bias(0x400000n), 0n);
  assert.equal(elf.symbols(["_PyRuntime"]).get("_PyRuntime")?.value, 0x400500n);
});

test("rejects non-ELF input with a not-python error", () => {
  assert.throws(() => new ElfFile(bufferSource(new Uint8Array(64))), { kind: "not-python" });
});
