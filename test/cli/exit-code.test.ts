import { test } from "node:test";
import assert from "node:assert/strict";
import { EXIT, exitCode } from "../../src/cli/exit-code.js";

test("exit codes are distinct per error kind", () => {
  assert.equal(exitCode({ kind: "done" }), 0);
  assert.equal(exitCode({ kind: "error", error: "usage" }), EXIT.usage);
  assert.equal(exitCode({ kind: "error", error: "not-found" }), EXIT.notFound);
  assert.equal(exitCode({ kind: "error", error: "permission" }), EXIT.permission);
  assert.equal(exitCode({ kind: "error", error: "not-supported" }), EXIT.notSupported);
  assert.equal(exitCode({ kind: "error", error: "not-python" }), EXIT.notPython);
  assert.equal(exitCode({ kind: "error", error: "internal" }), EXIT.failure);
  const codes = new Set(Object.values(EXIT));
  assert.equal(codes.size, Object.keys(EXIT).length);
});

test("launch mode passes the command's exit code through", () => {
  assert.equal(exitCode({ kind: "child-exited", code: 7, signal: null }), 7);
  assert.equal(exitCode({ kind: "child-exited", code: null, signal: "SIGTERM" }), 143);
  assert.equal(exitCode({ kind: "child-exited", code: null, signal: "SIGKILL" }), 137);
});
