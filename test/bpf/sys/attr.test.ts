// Attr layouts against the offsetof values recorded in shared/research/ebpf-loader.md §2–3.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeAttr, GetIdAttr, LinkCreateAttr, MapCreateAttr, MapElemAttr, ObjInfoAttr, PerfEventAttr, ProgLoadAttr, type Layout } from "../../../src/bpf/sys/attr.js";

function offsets<F extends string>(l: Layout<F>): Record<string, number> {
  return Object.fromEntries(Object.entries<{ offset: number }>(l.fields).map(([k, v]) => [k, v.offset]));
}

test("BPF_MAP_CREATE attr", () => {
  assert.deepEqual(offsets(MapCreateAttr), {
    map_type: 0, key_size: 4, value_size: 8, max_entries: 12, map_flags: 16, inner_map_fd: 20, numa_node: 24,
    map_name: 28, map_ifindex: 44, btf_fd: 48, map_extra: 64,
  });
  assert.equal(MapCreateAttr.size, 72);
});

test("map element attr", () => {
  assert.deepEqual(offsets(MapElemAttr), { map_fd: 0, key: 8, value: 16, flags: 24 });
  assert.equal(MapElemAttr.size, 32);
});

test("BPF_PROG_LOAD attr", () => {
  assert.deepEqual(offsets(ProgLoadAttr), {
    prog_type: 0, insn_cnt: 4, insns: 8, license: 16, log_level: 24, log_size: 28, log_buf: 32, kern_version: 40,
    prog_flags: 44, prog_name: 48, prog_ifindex: 64, expected_attach_type: 68,
  });
  assert.equal(ProgLoadAttr.size, 72);
});

test("BPF_LINK_CREATE, GET_NEXT_ID and OBJ_GET_INFO_BY_FD attrs", () => {
  assert.deepEqual(offsets(LinkCreateAttr), { prog_fd: 0, target_fd: 4, attach_type: 8, flags: 12, bpf_cookie: 16 });
  assert.equal(LinkCreateAttr.size, 24);
  assert.deepEqual(offsets(GetIdAttr), { start_id: 0, next_id: 4, open_flags: 8 });
  assert.equal(GetIdAttr.size, 12);
  assert.deepEqual(offsets(ObjInfoAttr), { bpf_fd: 0, info_len: 4, info: 8 });
  assert.equal(ObjInfoAttr.size, 16);
});

test("perf_event_attr", () => {
  assert.deepEqual(offsets(PerfEventAttr), {
    type: 0, size: 4, config: 8, sample_period: 16, sample_type: 24, read_format: 32, flags: 40,
    wakeup_events: 48, bp_type: 52, config1: 56, config2: 64,
  });
  assert.equal(PerfEventAttr.size, 128);
});

test("fields do not overlap and fit in the attr", () => {
  for (const l of [MapCreateAttr, MapElemAttr, ProgLoadAttr, LinkCreateAttr, GetIdAttr, ObjInfoAttr, PerfEventAttr] as Layout<string>[]) {
    const spans = Object.values<{ offset: number; size: number }>(l.fields).sort((x, y) => x.offset - y.offset);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      assert.ok(s.offset + s.size <= l.size, `${l.name}: field at ${s.offset} overflows`);
      const next = spans[i + 1];
      if (next) assert.ok(s.offset + s.size <= next.offset, `${l.name}: fields at ${s.offset} and ${next.offset} overlap`);
    }
  }
});

test("encodeAttr writes little-endian values, names and zero elsewhere", () => {
  const b = encodeAttr(MapCreateAttr, { map_type: 27, max_entries: 4096, map_name: "events", map_extra: 0x1_0000_0000n });
  assert.equal(b.length, 72);
  assert.equal(b.readUInt32LE(0), 27);
  assert.equal(b.readUInt32LE(12), 4096);
  assert.equal(b.toString("latin1", 28, 34), "events");
  assert.equal(b[34], 0);
  assert.equal(b.readBigUInt64LE(64), 0x1_0000_0000n);
  assert.throws(() => encodeAttr(MapCreateAttr, { map_name: "a_name_that_is_too_long" }), RangeError);
});
