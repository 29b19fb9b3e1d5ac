// Typed wrappers of bpf(2). Each names its operation in errors and keeps errno.
import { BpfCmd, syscallNumbersFor, type SyscallNumbers } from "./numbers.js";
import { rawBpf, rawClose } from "./libc.js";
import { EAGAIN, ENOENT, syscallError } from "./errors.js";
import { encodeAttr, GetIdAttr, MapElemAttr, ObjInfoAttr, type Layout } from "./attr.js";
import { ToolError } from "../../errors.js";

let numbers: SyscallNumbers | undefined;
export function syscalls(): SyscallNumbers {
  if (numbers !== undefined) return numbers;
  const n = syscallNumbersFor(process.arch);
  if (n === undefined) throw new ToolError("not-supported", `use bpf on ${process.arch}: only x64 and arm64 are supported`);
  numbers = n;
  return n;
}

/** bpf(cmd, attr) → result or -errno. */
export function bpfRaw(cmd: number, attr: Buffer, size: number): number {
  return rawBpf(syscalls().bpf, cmd, attr, size);
}

/** bpf(cmd, attr); throws a ToolError naming `operation`. EAGAIN is retried when asked. */
export function bpfCall<F extends string>(operation: string, cmd: number, l: Layout<F>, attr: Buffer, retryEagain = false): number {
  for (let attempt = 0; ; attempt++) {
    const r = bpfRaw(cmd, attr, l.size);
    if (r >= 0) return r;
    if (retryEagain && -r === EAGAIN && attempt < 5) continue; // verifier interrupted by a signal
    throw syscallError(operation, -r);
  }
}

export function closeFd(fd: number): void {
  if (fd >= 0) rawClose(fd);
}

export function mapLookup(fd: number, key: Buffer, value: Buffer): boolean {
  const attr = encodeAttr(MapElemAttr, { map_fd: fd, key, value });
  const r = bpfRaw(BpfCmd.MapLookupElem, attr, MapElemAttr.size);
  if (r >= 0) return true;
  if (-r === ENOENT) return false;
  throw syscallError("bpf map lookup", -r);
}

export function mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): void {
  bpfCall("bpf map update", BpfCmd.MapUpdateElem, MapElemAttr, encodeAttr(MapElemAttr, { map_fd: fd, key, value, flags }));
}

export function mapDelete(fd: number, key: Buffer): boolean {
  const r = bpfRaw(BpfCmd.MapDeleteElem, encodeAttr(MapElemAttr, { map_fd: fd, key }), MapElemAttr.size);
  if (r >= 0) return true;
  if (-r === ENOENT) return false;
  throw syscallError("bpf map delete", -r);
}

/** Next key after `key` (null: the first); false at the end. */
export function mapNextKey(fd: number, key: Buffer | null, next: Buffer): boolean {
  const attr = encodeAttr(MapElemAttr, key === null ? { map_fd: fd, value: next } : { map_fd: fd, key, value: next });
  const r = bpfRaw(BpfCmd.MapGetNextKey, attr, MapElemAttr.size);
  if (r >= 0) return true;
  if (-r === ENOENT) return false;
  throw syscallError("bpf map next key", -r);
}

/** Ids of all loaded BPF programs (BPF_PROG_GET_NEXT_ID walk). */
export function programIds(): number[] {
  const ids: number[] = [];
  let start = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const attr = encodeAttr(GetIdAttr, { start_id: start });
    const r = bpfRaw(BpfCmd.ProgGetNextId, attr, GetIdAttr.size);
    if (r < 0) {
      if (-r === ENOENT) break;
      throw syscallError("bpf prog next id", -r);
    }
    start = attr.readUInt32LE(GetIdAttr.fields.next_id.offset);
    ids.push(start);
  }
  return ids;
}

/** Kernel id of a BPF object (prog or map), via BPF_OBJ_GET_INFO_BY_FD; id is at offset 4 of both infos. */
export function objectId(fd: number, what: string): number {
  const info = Buffer.alloc(16);
  const attr = encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.length, info });
  bpfCall(`bpf get ${what} info`, BpfCmd.ObjGetInfoByFd, ObjInfoAttr, attr);
  return info.readUInt32LE(4);
}
