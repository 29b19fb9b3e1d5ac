// Find the interpreter in a live process: which mapped file holds _PyRuntime (libpython*.so for
// shared builds, else the executable), where it is loaded, and which version it is.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isToolError, ToolError } from "../errors.js";
import { ElfFile, EM_AARCH64, EM_X86_64, fileSource } from "./elf.js";
import { type Mapping, readMaps } from "./maps.js";

export interface InterpreterImage {
  path: string; // path inside the target's mount namespace
  hostPath: string; // path we opened (/proc/PID/root/... or /proc/PID/exe)
  bias: bigint;
  runtime: bigint; // &_PyRuntime
  symbols: Map<string, bigint>; // biased addresses of the symbols we asked for
  fileMinor: number | null; // minor version from the file name, when it has one
  rodataVersion: string | null; // "3.9.18" found in .rodata (for versions without Py_Version)
  freeThreaded: boolean; // "t" ABI suffix in the file name
  asyncioDebug: Uint8Array | null; // 3.14: .AsyncioDebug section contents, when built in
  arch: "x86_64" | "aarch64";
}

export const WANTED_SYMBOLS = ["_PyRuntime", "Py_Version", "PyCode_Type", "_Py_NoneStruct"] as const;
const LIBPYTHON = /\/libpython3\.(\d+)(t?)[a-z]*\.so/;
const EXEPYTHON = /\/python3\.(\d+)(t?)$/;
const ANYPYTHON = /\/python3(\.\d+)?t?$/; // interpreter started through a loader (ld.so python3.14)

export function readTargetMaps(pid: number): Mapping[] {
  try {
    return readMaps(pid);
  } catch (e) {
    const code = (e as { code?: unknown }).code; // Node SystemError code string
    if (code === "ENOENT" || code === "ESRCH") throw new ToolError("not-found", `process ${pid} not found`, { cause: e });
    if (code === "EACCES" || code === "EPERM")
      throw new ToolError("permission", `read /proc/${pid}/maps: permission denied`, { cause: e, hint: "run as root or grant CAP_SYS_PTRACE" });
    throw new ToolError("io", `read /proc/${pid}/maps`, { cause: e });
  }
}

/** Candidate files, libpython first (shared builds keep everything there). */
function candidates(pid: number, maps: Mapping[]): { path: string; hostPath: string }[] {
  const out: { path: string; hostPath: string }[] = [];
  const seen = new Set<string>();
  for (const m of maps) {
    if (LIBPYTHON.test(m.path) && !seen.has(m.path)) {
      seen.add(m.path);
      out.push({ path: m.path, hostPath: `/proc/${pid}/root${m.path}` });
    }
  }
  let exe = "";
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOENT") throw new ToolError("not-found", `process ${pid} not found`, { cause: e });
    if (code === "EACCES" || code === "EPERM")
      throw new ToolError("permission", `read /proc/${pid}/exe: permission denied`, { cause: e, hint: "run as root or grant CAP_SYS_PTRACE" });
  }
  exe = exe.replace(/ \(deleted\)$/, "");
  if (exe !== "") out.push({ path: exe, hostPath: `/proc/${pid}/exe` });
  for (const m of maps) {
    if (ANYPYTHON.test(m.path) && !seen.has(m.path) && m.path !== exe) {
      seen.add(m.path);
      out.push({ path: m.path, hostPath: `/proc/${pid}/root${m.path}` });
    }
  }
  return out;
}

function loadBase(maps: Mapping[], path: string): bigint | null {
  let best: bigint | null = null;
  for (const m of maps) if (m.path === path && m.offset === 0n && (best === null || m.start < best)) best = m.start;
  return best;
}

export function locateInterpreter(pid: number, maps: Mapping[] = readTargetMaps(pid)): InterpreterImage {
  const tried: string[] = [];
  for (const c of candidates(pid, maps)) {
    const base = loadBase(maps, c.path);
    if (base === null) continue;
    let src: ReturnType<typeof fileSource>;
    try {
      src = fileSource(c.hostPath);
    } catch {
      tried.push(`${c.path} (unreadable)`);
      continue;
    }
    try {
      const elf = new ElfFile(src);
      if (elf.machine !== EM_X86_64 && elf.machine !== EM_AARCH64) {
        throw new ToolError("unsupported-python", `${c.path}: ELF machine ${elf.machine} is not supported (x86_64 and aarch64 are)`);
      }
      const syms = elf.symbols(WANTED_SYMBOLS);
      const section = elf.sections.get(".PyRuntime");
      const rtStatic = syms.get("_PyRuntime")?.value ?? section?.addr;
      if (rtStatic === undefined || rtStatic === 0n) {
        tried.push(c.path);
        continue;
      }
      const bias = elf.bias(base);
      const symbols = new Map<string, bigint>();
      for (const [k, v] of syms) symbols.set(k, v.value + bias);
      const name = LIBPYTHON.exec(c.path) ?? EXEPYTHON.exec(c.path);
      const fileMinor = name?.[1] !== undefined ? Number(name[1]) : null;
      const aioSec = elf.sections.get(".AsyncioDebug");
      return {
        path: c.path, hostPath: c.hostPath, bias, runtime: rtStatic + bias, symbols, fileMinor,
        rodataVersion: syms.has("Py_Version") ? null : rodataVersion(elf, src, fileMinor),
        freeThreaded: name?.[2] === "t",
        arch: elf.machine === EM_AARCH64 ? "aarch64" : "x86_64",
        asyncioDebug: aioSec !== undefined && aioSec.type !== 8 ? src.read(Number(aioSec.offset), Math.min(Number(aioSec.size), 256)) : null,
      };
    } catch (e) {
      if (isToolError(e) && e.kind === "unsupported-python") throw e;
      tried.push(`${c.path} (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      src.close();
    }
  }
  // A CPython too old to have _PyRuntime (≤3.6, 2.x) still says its version in its file names.
  const named = candidates(pid, maps)
    .map((c) => /\/(?:lib)?python([23])\.(\d+)/.exec(c.path))
    .find((m) => m !== null);
  if (named !== undefined && named !== null) {
    const [major, minor] = [Number(named[1]), Number(named[2])];
    if (major < 3 || minor < 8) throw new ToolError("unsupported-python", `Python ${major}.${minor} is not supported (supported: 3.8–3.14)`);
    // A 3.8+ executable without _PyRuntime anywhere yet: a shared-libpython build whose library
    // the dynamic loader has not mapped yet (a process just launched). Not a verdict: retry.
    throw new ToolError("not-python", `process ${pid} runs ${named[0].slice(1)} but its runtime is not mapped yet (still starting?)`);
  }
  throw new ToolError("not-python", `process ${pid} is not a CPython process: no _PyRuntime in ${tried.join(", ") || "any mapped file"}`);
}

/**
 * PY_VERSION ("3.9.18") is a NUL-terminated literal in .rodata, possibly tail-merged into a
 * longer string (".../Python-3.8.18"); take the first one matching the file's minor version.
 */
function rodataVersion(elf: ElfFile, src: { read(off: number, len: number): Uint8Array }, minor: number | null): string | null {
  const ro = elf.sections.get(".rodata");
  if (ro === undefined || ro.size > 64n << 20n) return null;
  const text = Buffer.from(src.read(Number(ro.offset), Number(ro.size))).toString("latin1");
  const re = new RegExp(`[^0-9.](3\\.${minor ?? "\\d+"}\\.\\d+)\\0`);
  return re.exec(text)?.[1] ?? null;
}

/** .AsyncioDebug of a mapped _asyncio extension module (3.14), or null if none is loaded. */
export function findAsyncioDebug(pid: number, maps: Mapping[]): Uint8Array | null {
  const m = maps.find((x) => /\/_asyncio\.cpython-3\d+[^/]*\.so$/.test(x.path));
  if (m === undefined) return null;
  const src = fileSource(`/proc/${pid}/root${m.path}`);
  try {
    const s = new ElfFile(src).sections.get(".AsyncioDebug");
    return s === undefined ? null : src.read(Number(s.offset), Math.min(Number(s.size), 256));
  } finally {
    src.close();
  }
}

/**
 * Kernel thread ids of the process as the target sees them (its own pid namespace): the last
 * NSpid of each task (containers), else the task directory name.
 */
export function taskIds(pid: number): number[] {
  let tasks: number[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`).map(Number).filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
  return tasks.map((t) => {
    try {
      const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/task/${t}/status`, "utf8"));
      const last = m?.[1]?.trim().split(/\s+/).pop();
      return last === undefined ? t : Number(last);
    } catch {
      return t;
    }
  });
}
