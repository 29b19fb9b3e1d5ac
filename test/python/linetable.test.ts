import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { lineFor, lnotabLine, linetable310Line, locationsLine } from "../../src/python/linetable.js";
import type { LineFormat } from "../../src/python/layout/types.js";
import { fixture } from "./fixtures.js";

interface Doc {
  version: string;
  format: LineFormat;
  codes: { name: string; firstlineno: number; table: string; cases: [number, number | null][] }[];
}

for (const v of ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]) {
  test(`line tables of ${v} match what CPython reports for every instruction`, () => {
    const doc = JSON.parse(readFileSync(fixture(`linetables-${v}.json`), "utf8")) as Doc; // written by scripts/gen-linetable-fixtures.py
    let checked = 0;
    for (const c of doc.codes) {
      const tab = new Uint8Array(Buffer.from(c.table, "hex"));
      for (const [off, line] of c.cases) {
        assert.equal(lineFor(doc.format, tab, c.firstlineno, off), line, `${v} ${c.name} offset ${off}`);
        checked++;
      }
    }
    assert.ok(checked > 20);
  });
}

test("a frame that has not started reports its first line", () => {
  assert.equal(lineFor("locations", new Uint8Array(), 42, -1), 42);
});

test("decoders stay bounded on garbage", () => {
  const junk = new Uint8Array(4096).map((_, i) => (i * 131) & 0xff);
  assert.doesNotThrow(() => {
    lnotabLine(junk, 1, 5000);
    linetable310Line(junk, 1, 5000);
    locationsLine(junk, 1, 5000);
  });
  assert.equal(locationsLine(new Uint8Array([0x01, 0x02]), 1, 0), null); // no entry-start bit
});
