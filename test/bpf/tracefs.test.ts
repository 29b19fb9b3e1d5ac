import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFormat, tracefsFromMountinfo } from "../../src/bpf/tracefs.js";
import { lastRelevantLines } from "../../src/bpf/program.js";

// Copied from this machine's /sys/kernel/tracing/events/syscalls/sys_enter_poll/format (linux 6.18).
const POLL_FORMAT = `name: sys_enter_poll
ID: 1081
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:struct pollfd * ufds;\toffset:16;\tsize:8;\tsigned:0;
\tfield:unsigned int nfds;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int timeout_msecs;\toffset:32;\tsize:8;\tsigned:0;

print fmt: "ufds: 0x%08lx, nfds: 0x%08lx, timeout_msecs: 0x%08lx", ((unsigned long)(REC->ufds)), ((unsigned long)(REC->nfds)), ((unsigned long)(REC->timeout_msecs))
`;

test("parses a tracepoint format file", () => {
  const f = parseFormat(POLL_FORMAT);
  assert.equal(f.name, "sys_enter_poll");
  assert.equal(f.id, 1081);
  assert.equal(f.fields.length, 8);
  assert.deepEqual(f.fields.find((x) => x.name === "nfds"), { name: "nfds", type: "unsigned int", offset: 24, size: 8, signed: false });
  assert.deepEqual(f.fields.find((x) => x.name === "__syscall_nr"), { name: "__syscall_nr", type: "int", offset: 8, size: 4, signed: true });
  assert.equal(f.fields.find((x) => x.name === "ufds")?.type, "struct pollfd *");
});

test("keeps the identifier when the type carries attributes or an array", () => {
  const f = parseFormat("name: x\nID: 1\nformat:\n\tfield:const char __attribute__((user)) * filename;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:char comm[16];\toffset:24;\tsize:16;\tsigned:0;\n");
  assert.equal(f.fields[0]?.name, "filename");
  assert.equal(f.fields[1]?.name, "comm");
  assert.equal(f.fields[1]?.size, 16);
});

test("a format without name or ID is an error", () => {
  assert.throws(() => parseFormat("format:\n"), /no name or ID/);
});

test("finds tracefs in mountinfo", () => {
  const mi = [
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw",
    "36 22 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:15 - tracefs tracefs rw",
  ].join("\n");
  assert.equal(tracefsFromMountinfo(mi), "/sys/kernel/tracing");
  assert.equal(tracefsFromMountinfo("22 1 0:21 / /sys rw - sysfs sysfs rw"), undefined);
});

test("verifier log tail skips the statistics footer", () => {
  const log = "0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n";
  assert.deepEqual(lastRelevantLines(log, 2), ["1: (95) exit", "R0 !read_ok"]);
});
