// The manifest reader itself: what it accepts and what it refuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../helpers/cli.js";
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

test("on every manifest, the subset reader agrees with a real YAML parser (PyYAML)", (t) => {
  const py = "/usr/bin/python3";
  const probe = spawnSync(py, ["-c", "import yaml"], { encoding: "utf8" });
  if (probe.status !== 0) return t.skip(`no PyYAML for ${py} (apt-get install python3-yaml) to cross-check against`);
  const dir = path.join(repoRoot, "deploy");
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".yaml"))) {
    const file = path.join(dir, f);
    const r = spawnSync(py, ["-c", "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parseDocuments(fs.readFileSync(file, "utf8")), JSON.parse(r.stdout), f);
  }
});
