// The manifest reader itself: what it accepts and what it refuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDocuments } from "./yaml-subset.js";

test("maps, lists, lists of maps, nested, scalars, documents", () => {
  const src = [
    "# a comment",
    "a: 1",
    "b: \"9464\"   # trailing comment",
    "c: true",
    "d:",
    "  - x",
    "  - name: nm",
    "    port: 80",
    "    list:",
    "      - 1",
    "  - 'it''s'",
    "e:",
    "- same-indent item",
    "f: {}",
    "g: [\"--all\", 2]",
    "h: app.kubernetes.io/name",
    "i: 0.0.0.0:9464",
    "j:",
    "---",
    "k: -x",
    "l: \"a # not a comment\"",
  ].join("\n");
  assert.deepEqual(parseDocuments(src), [
    {
      a: 1,
      b: "9464",
      c: true,
      d: ["x", { name: "nm", port: 80, list: [1] }, "it's"],
      e: ["same-indent item"],
      f: {},
      g: ["--all", 2],
      h: "app.kubernetes.io/name",
      i: "0.0.0.0:9464",
      j: null,
    },
    { k: "-x", l: "a # not a comment" },
  ]);
});

test("keys with dots, slashes and quotes", () => {
  assert.deepEqual(parseDocuments('metadata:\n  annotations:\n    prometheus.io/scrape: "true"\n    "a: b": c\n'), [
    { metadata: { annotations: { "prometheus.io/scrape": "true", "a: b": "c" } } },
  ]);
});

test("refuses what is outside the subset", () => {
  assert.throws(() => parseDocuments("a: &x 1\n"), /outside the subset/);
  assert.throws(() => parseDocuments("a: |\n  text\n"), /outside the subset/);
  assert.throws(() => parseDocuments("a: yes\n"), /ambiguous boolean/);
  assert.throws(() => parseDocuments("a:\n\tb: 1\n"), /tab/);
  assert.throws(() => parseDocuments("a: 1\na: 2\n"), /duplicate key/);
  assert.throws(() => parseDocuments("a: 1\n   b: 2\n"), /unexpected indentation/);
});
