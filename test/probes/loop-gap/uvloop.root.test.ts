import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { requireRoot } from "../../helpers/root.js";
import { pythonFixture } from "./fixture.js";
import { assertBlocksReported } from "./match.js";
import { runSession } from "./run.js";

const PYTHON = "/usr/bin/python3.11"; // Debian's python3-uvloop is built for it

test("uvloop (libuv, epoll_pwait): blocks are reported exactly", async (t) => {
  if (!requireRoot(t)) return;
  execFileSync(PYTHON, ["-c", "import uvloop"]); // fails loudly when python3-uvloop is missing
  const s = await runSession([pythonFixture(PYTHON, { loop: "uvloop", blocks: [{ ms: 50, how: "busy" }, { ms: 80, how: "sleep" }, { ms: 40, how: "socket" }] })], {
    thresholdNs: 30_000_000n,
    stats: false,
  });
  assert.equal(s.truth[0]!.length, 3);
  assertBlocksReported(s.events, s.truth[0]!);
  assert.equal(s.dropped, 0n);
});
