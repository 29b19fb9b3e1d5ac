// Attr structs of bpf(2) and perf_event_open(2), described once with byte offsets.
// Offsets: include/uapi/linux/bpf.h and perf_event.h (offsetof values recorded in
// shared/research/ebpf-loader.md §2–3). The buffer is zero-filled and `size` is passed up to the
// last field we set: the kernel zero-fills a shorter attr and rejects non-zero unknown tail bytes.
import { addressOf } from "./libc.js";

export interface Field {
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8 | 16;
}
export interface Layout<F extends string> {
  readonly name: string;
  /** Bytes passed to the kernel. */
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
}
/** A field value: integers, a Buffer (its address goes into a u64), or a string (char array). */
export type FieldValue = number | bigint | Buffer | string;

function layout<F extends string>(name: string, size: number, fields: Record<F, Field>): Layout<F> {
  return Object.freeze({ name, size, fields: Object.freeze(fields) });
}
const f = (offset: number, size: Field["size"]): Field => ({ offset, size });

export const MapCreateAttr = layout("bpf_attr.map_create", 72, {
  map_type: f(0, 4), key_size: f(4, 4), value_size: f(8, 4), max_entries: f(12, 4),
  map_flags: f(16, 4), inner_map_fd: f(20, 4), numa_node: f(24, 4), map_name: f(28, 16),
  map_ifindex: f(44, 4), btf_fd: f(48, 4), map_extra: f(64, 8),
});
export const MapElemAttr = layout("bpf_attr.map_elem", 32, {
  map_fd: f(0, 4), key: f(8, 8), value: f(16, 8), flags: f(24, 8),
});
export const ProgLoadAttr = layout("bpf_attr.prog_load", 72, {
  prog_type: f(0, 4), insn_cnt: f(4, 4), insns: f(8, 8), license: f(16, 8),
  log_level: f(24, 4), log_size: f(28, 4), log_buf: f(32, 8), kern_version: f(40, 4),
  prog_flags: f(44, 4), prog_name: f(48, 16), prog_ifindex: f(64, 4), expected_attach_type: f(68, 4),
});
export const LinkCreateAttr = layout("bpf_attr.link_create", 24, {
  prog_fd: f(0, 4), target_fd: f(4, 4), attach_type: f(8, 4), flags: f(12, 4), bpf_cookie: f(16, 8),
});
export const GetIdAttr = layout("bpf_attr.get_id", 12, {
  start_id: f(0, 4), next_id: f(4, 4), open_flags: f(8, 4),
});
export const ObjInfoAttr = layout("bpf_attr.info", 16, {
  bpf_fd: f(0, 4), info_len: f(4, 4), info: f(8, 8),
});
/** struct perf_event_attr; 128 = PERF_ATTR_SIZE_VER7 (accepted since 5.x, extra tail is zero). */
export const PerfEventAttr = layout("perf_event_attr", 128, {
  type: f(0, 4), size: f(4, 4), config: f(8, 8), sample_period: f(16, 8), sample_type: f(24, 8),
  read_format: f(32, 8), flags: f(40, 8), wakeup_events: f(48, 4), bp_type: f(52, 4),
  config1: f(56, 8), config2: f(64, 8),
});

/** Encode `values` into a zeroed buffer of `layout.size` bytes. */
export function encodeAttr<F extends string>(l: Layout<F>, values: Partial<Record<F, FieldValue>>): Buffer {
  const buf = Buffer.alloc(l.size);
  for (const key of Object.keys(values) as F[]) { // keys come from the typed `values` object
    const v = values[key];
    if (v === undefined) continue;
    writeField(buf, l.fields[key], v, `${l.name}.${key}`);
  }
  return buf;
}

function writeField(buf: Buffer, field: Field, v: FieldValue, what: string): void {
  if (typeof v === "string") {
    const bytes = Buffer.from(v, "utf8");
    if (bytes.length >= field.size) throw new RangeError(`${what}: "${v}" is longer than ${field.size - 1} bytes`);
    bytes.copy(buf, field.offset);
    return;
  }
  const n = Buffer.isBuffer(v) ? addressOf(v) : BigInt(v);
  switch (field.size) {
    case 1: buf.writeUInt8(Number(n), field.offset); return;
    case 2: buf.writeUInt16LE(Number(n), field.offset); return;
    case 4: buf.writeUInt32LE(Number(BigInt.asUintN(32, n)), field.offset); return;
    case 8: buf.writeBigUInt64LE(BigInt.asUintN(64, n), field.offset); return;
    case 16: throw new RangeError(`${what}: a 16-byte field takes a string`);
  }
}
