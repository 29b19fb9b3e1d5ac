import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRoot } from "../helpers/root.js";
import { mountTracefs, unmount } from "../../src/bpf/sys/index.js";
import { parseFormat, readTracepoint, tracefsRoot } from "../../src/bpf/tracefs.js";

test("tracefs can be mounted with mount(2) when it is absent (here: a second mount)", (t) => {
  if (!requireRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "tracefs-"));
  try {
    mountTracefs(dir);
    try {
      assert.ok(existsSync(join(dir, "events/syscalls/sys_enter_epoll_wait/format")));
      const f = parseFormat(readFileSync(join(dir, "events/syscalls/sys_enter_epoll_wait/format"), "utf8"));
      assert.equal(f.name, "sys_enter_epoll_wait");
    } finally {
      unmount(dir);
    }
  } finally {
    rmdirSync(dir);
  }
});

test("reads tracepoint ids and field offsets from the live kernel", (t) => {
  if (!requireRoot(t)) return;
  assert.ok(existsSync(join(tracefsRoot(), "events")));
  const poll = readTracepoint("syscalls", "sys_enter_poll");
  assert.ok(poll && poll.id > 0);
  // syscall tracepoint ctx: args at 16 + 8*i (linux 6.18 trace_syscalls.c syscall_tp_t); nfds is arg 1
  assert.deepEqual(poll.fields.find((f) => f.name === "nfds")?.offset, 24);
  assert.equal(readTracepoint("syscalls", "sys_enter_nope"), undefined);
});
