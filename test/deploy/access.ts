// Typed steps into parsed YAML for the manifest tests: each fails the test with the path it wanted.
import assert from "node:assert/strict";
import type { Yaml } from "./yaml-subset.js";

export type YamlMap = { [key: string]: Yaml };

export function isMap(v: Yaml | undefined): v is YamlMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at a dotted path of keys ("spec.template.metadata.labels"); list indexes as numbers. */
export function at(v: Yaml | undefined, path: string): Yaml | undefined {
  let cur: Yaml | undefined = v;
  for (const step of path.split(".")) {
    if (Array.isArray(cur) && /^\d+$/.test(step)) cur = cur[Number(step)];
    else if (isMap(cur)) cur = cur[step];
    else return undefined;
  }
  return cur;
}

export function map(v: Yaml | undefined, path: string): YamlMap {
  const r = at(v, path);
  assert.ok(isMap(r), `${path} is a mapping`);
  return r;
}

export function list(v: Yaml | undefined, path: string): Yaml[] {
  const r = at(v, path);
  assert.ok(Array.isArray(r), `${path} is a list`);
  return r;
}

export function str(v: Yaml | undefined, path: string): string {
  const r = at(v, path);
  assert.equal(typeof r, "string", `${path} is a string`);
  return String(r);
}

export function strings(v: Yaml | undefined, path: string): string[] {
  return list(v, path).map((x, i) => {
    assert.equal(typeof x, "string", `${path}.${i} is a string`);
    return String(x);
  });
}

/** A Kubernetes memory quantity in bytes ("128Mi", "1Gi", "200M", "1048576"). */
export function memoryBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  assert.ok(m !== null, `memory quantity ${q}`);
  const unit: Record<string, number> = { "": 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (unit[m[2] ?? ""] ?? Number.NaN);
}
