import { test } from "node:test";
import assert from "node:assert/strict";
import { ThreadNames, threadName } from "../../src/session/target.js";

test("thread names: by pid and tid, re-read after a second, a gone thread keeps its last name, bounded", () => {
  let clock = 0;
  const proc = new Map<string, string>([["1:1", "main"], ["2:1", "other-process"]]);
  let reads = 0;
  const names = new ThreadNames(3, 1000, (pid, tid) => (reads++, proc.get(`${pid}:${tid}`) ?? null), () => clock);
  assert.equal(names.get(1, 1), "main");
  assert.equal(names.get(2, 1), "other-process", "the same tid in another process is another thread");
  assert.equal(names.get(1, 1), "main");
  assert.equal(reads, 2, "cached within a second");
  proc.set("1:1", "renamed");
  clock = 1500;
  assert.equal(names.get(1, 1), "renamed", "read again after a second");
  proc.delete("1:1");
  clock = 3000;
  assert.equal(names.get(1, 1), "renamed", "gone: the last known name");
  for (let tid = 10; tid < 20; tid++) names.get(5, tid);
  assert.equal(names.size, 3);
});

test("threadName reads this process's own main thread", () => {
  assert.ok((threadName(process.pid, process.pid) ?? "").length > 0);
  assert.equal(threadName(process.pid, 1 << 30), null);
});
