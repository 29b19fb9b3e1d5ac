import { test } from "node:test";
import assert from "node:assert/strict";
import { loadKallsyms, parseKallsyms } from "../../src/cause/kallsyms.js";
import { isRoot } from "../helpers/root.js";

const TEXT = [
  "ffffffff81000000 T _stext",
  "ffffffff81001000 t do_nanosleep",
  "ffffffff81000800 T schedule", // out of order on purpose
  "ffffffff82000000 D some_data", // data: not a return address
  "0000000000000000 T hidden", // kptr_restrict hides it
  "ffffffffc0001000 t xfs_buf_read\t[xfs]",
  "garbage",
].join("\n");

test("parse: code symbols only, zero addresses dropped, modules kept", () => {
  const k = parseKallsyms(TEXT);
  assert.equal(k.size, 4);
  assert.equal(k.describe(0xffffffffc0001010n), "xfs_buf_read [xfs]");
});

test("lookup: the last symbol at or below the address, with its offset", () => {
  const k = parseKallsyms(TEXT);
  assert.equal(k.lookup(0xffffffff81000000n)?.symbol.name, "_stext");
  assert.equal(k.lookup(0xffffffff810007ffn)?.symbol.name, "_stext");
  const hit = k.lookup(0xffffffff8100085an);
  assert.equal(hit?.symbol.name, "schedule");
  assert.equal(hit?.offset, 0x5an);
  assert.equal(k.lookup(0xffffffff81001fffn)?.symbol.name, "do_nanosleep");
  assert.equal(k.lookup(0xffffffff80000000n), undefined);
  assert.equal(k.describe(0x1234n), "0x1234");
  assert.equal(parseKallsyms("").lookup(1n), undefined);
});

test("the live /proc/kallsyms resolves a known function to itself (root sees real addresses)", (t) => {
  if (!isRoot) {
    t.skip("addresses in /proc/kallsyms read as zero when not root");
    return;
  }
  const k = loadKallsyms();
  assert.ok(k.size > 1000);
  assert.equal(loadKallsyms(), k, "cached");
});
