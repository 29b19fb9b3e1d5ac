// openPython: locate the interpreter, detect its version, pick its layout, prove one walk works.
import { ToolError, isToolError } from "../errors.js";
import { u64 } from "./bytes.js";
import { chooseLayout, versionFromHex } from "./layout/choose.js";
import { DEBUG_COOKIE, debugOffsetsSize, parseAsyncioDebug } from "./layout/debug-offsets.js";
import type { PythonVersion } from "./layout/types.js";
import { findAsyncioDebug, type InterpreterImage, locateInterpreter, readTargetMaps } from "./locate.js";
import { openMemory } from "./memory/open.js";
import type { ProcessMemory } from "./memory/types.js";
import { LivePython } from "./process.js";

export function openPython(pid: number): LivePython {
  if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `invalid pid ${pid}`);
  const maps = readTargetMaps(pid);
  const image = locateInterpreter(pid, maps);
  const mem = openMemory(pid);
  try {
    const head = mem.read(image.runtime, 24);
    const version = detectVersion(mem, image, head);
    const doSize = debugOffsetsSize(version.minor);
    const raw = doSize !== null && version.minor >= 13 ? mem.read(image.runtime, doSize) : null;
    const aioBytes = version.minor >= 14 ? (image.asyncioDebug ?? findAsyncioDebug(pid, maps)) : null;
    const layout = chooseLayout(version, raw, aioBytes === null ? null : parseAsyncioDebug(aioBytes), image.arch);
    return new LivePython(pid, mem, image, layout, maps);
  } catch (e) {
    mem.close();
    if (isToolError(e)) throw e;
    throw new ToolError("internal", `open python process ${pid}`, { cause: e });
  }
}

export function detectVersion(mem: ProcessMemory, image: InterpreterImage, head: Uint8Array): PythonVersion {
  const cookie = Buffer.from(head.subarray(0, 8)).toString("latin1");
  let version: PythonVersion;
  if (cookie === DEBUG_COOKIE) {
    // 3.13+: _Py_DebugOffsets {cookie[8]; u64 version; u64 free_threaded; …} opens _PyRuntime
    version = versionFromHex(Number(u64(head, 8) & 0xffffffffn));
    if (u64(head, 16) !== 0n) throw new ToolError("unsupported-python", `Python ${vs(version)} is a free-threaded build, which is not supported`);
  } else {
    const pv = image.symbols.get("Py_Version"); // 3.11+: const unsigned long Py_Version = PY_VERSION_HEX
    if (pv !== undefined) version = versionFromHex(Number(u64(mem.read(pv, 8), 0) & 0xffffffffn));
    else if (image.rodataVersion !== null) {
      const [maj, min, mic] = image.rodataVersion.split(".").map(Number);
      version = { major: maj ?? 3, minor: min ?? 0, micro: mic ?? 0, hex: ((maj ?? 3) << 24) | ((min ?? 0) << 16) | ((mic ?? 0) << 8) };
    } else if (image.fileMinor !== null) version = { major: 3, minor: image.fileMinor, micro: 0, hex: (3 << 24) | (image.fileMinor << 16) };
    else throw new ToolError("unsupported-python", `cannot tell the Python version of ${image.path}`);
  }
  if (image.freeThreaded) throw new ToolError("unsupported-python", `Python ${vs(version)} is a free-threaded build, which is not supported`);
  if (version.major !== 3 || version.minor < 8) throw new ToolError("unsupported-python", `Python ${vs(version)} is not supported (supported: 3.8–3.14)`);
  return version;
}

const vs = (v: PythonVersion): string => `${v.major}.${v.minor}.${v.micro}`;
