import { test } from "node:test";
import assert from "node:assert/strict";
import * as a from "../../../src/bpf/asm/index.js";
import { R0, R1 } from "../../../src/bpf/asm/index.js";
import { isToolError } from "../../../src/errors.js";

test("jump offsets count slots from the next instruction, LD_IMM64 taking two", () => {
  const b = a.marshal([
    a.jeqImm(R1, 0, "end"), // slot 0 → end at slot 4: off 3
    a.ld64(R0, 1n), // slots 1-2
    a.label("back"),
    a.ja("end"), // slot 3 → off 0
    a.label("end"),
    a.jneImm(R1, 0, "back"), // slot 4 → back at 3: off -2
    a.exit(),
  ]);
  assert.equal(b.length, 6 * 8);
  assert.equal(b.readInt16LE(2), 3);
  assert.equal(b.readInt16LE(3 * 8 + 2), 0);
  assert.equal(b.readInt16LE(4 * 8 + 2), -2);
});

test("an unknown label is a clear error", () => {
  assert.throws(() => a.marshal([a.ja("nowhere"), a.exit()]), (e: unknown) => {
    assert.ok(isToolError(e));
    assert.match(e.message, /unknown label "nowhere"/);
    return true;
  });
});

test("a label defined twice is refused", () => {
  assert.throws(() => a.marshal([a.label("x"), a.label("x"), a.exit()]), /defined twice/);
});

test("map fds are read when marshalled, not when the instruction is built", () => {
  const map = { fd: -1, name: "m" };
  const prog = [a.ldMapFd(R1, map), a.exit()];
  assert.throws(() => a.marshal(prog), /closed/);
  map.fd = 42;
  assert.equal(a.marshal(prog).readInt32LE(4), 42);
});
