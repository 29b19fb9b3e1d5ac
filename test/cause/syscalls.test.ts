import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { archOf, epollWaitNumbers, futexNumbers, syscallName } from "../../src/cause/syscalls.js";
import { X86_64_SYSCALLS } from "../../src/cause/syscall-table.js";

test("syscall names per architecture (x86_64 and arm64 tables differ)", () => {
  assert.equal(syscallName(230, "x64"), "clock_nanosleep");
  assert.equal(syscallName(115, "arm64"), "clock_nanosleep");
  assert.equal(syscallName(45, "x64"), "recvfrom");
  assert.equal(syscallName(207, "arm64"), "recvfrom");
  assert.equal(syscallName(232, "x64"), "epoll_wait");
  assert.equal(syscallName(22, "arm64"), "epoll_pwait");
  assert.equal(syscallName(0, "x64"), "read");
  assert.equal(syscallName(63, "arm64"), "read");
  assert.equal(syscallName(441, "arm64"), "epoll_pwait2");
  assert.equal(syscallName(455, "x64"), "futex_wait"); // hand-written entries past the headers
  assert.equal(syscallName(99999, "x64"), "syscall_99999");
  assert.equal(archOf("x64"), "x64");
  assert.equal(archOf("ia32"), undefined);
});

test("futex numbers: futex, futex_waitv, futex_wait", () => {
  assert.deepEqual(futexNumbers("x64"), [202, 449, 455]);
  assert.deepEqual(futexNumbers("arm64"), [98, 449, 455]);
});

test("epoll wait numbers: arm64 has no epoll_wait", () => {
  assert.deepEqual(epollWaitNumbers("x64"), [232, 281, 441]);
  assert.deepEqual(epollWaitNumbers("arm64"), [22, 441]);
});

test("the x86_64 table re-derives from the machine's asm/unistd_64.h", (t) => {
  const header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
  if (!existsSync(header)) {
    t.skip(`${header} is not installed (linux-libc-dev)`);
    return;
  }
  let n = 0;
  for (const m of readFileSync(header, "utf8").matchAll(/^#define __NR_(\w+)\s+(\d+)/gm)) {
    assert.equal(X86_64_SYSCALLS[Number(m[2])], m[1]);
    n++;
  }
  assert.ok(n > 300);
});
