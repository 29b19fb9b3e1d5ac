// Compile-time contract: StackAttribution is what the session's watcher expects. If the session's
// interface changes, this file stops compiling and says so here rather than at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttributorFactory, StackAttributor } from "../../src/session/watcher.js";
import { StackAttribution, stackAttributorFactory } from "../../src/correlate/index.js";

test("StackAttribution satisfies the session's StackAttributor and AttributorFactory", () => {
  const factory: AttributorFactory = stackAttributorFactory();
  const asAttributor = (a: StackAttribution): StackAttributor => a;
  assert.equal(typeof factory, "function");
  assert.equal(typeof asAttributor, "function");
});
