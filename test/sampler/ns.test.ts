import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNsPid } from "../../src/sampler/ns.js";

test("NSpid: the last id is the thread's id inside its own pid namespace", () => {
  assert.equal(parseNsPid("Name:\tpython3\nTgid:\t812\nNSpid:\t815\n"), 815);
  assert.equal(parseNsPid("Name:\tpython3\nNSpid:\t815\t7\nNSpgid:\t1\n"), 7);
  assert.equal(parseNsPid("Name:\tpython3\nNSpid:\t815\t12\t3\n"), 3);
  assert.equal(parseNsPid("Name:\tpython3\n"), null); // kernel < 4.1
});
