// native: the checks that need the FFI (koffi), loaded on demand. koffi's native module is a
// prebuilt binary in an optional dependency (@koromix/koffi-<os>-<arch>); when it is missing,
// importing koffi throws, and the doctor must say so instead of crashing.
import { fail, ok, type Check } from "./check.js";

export interface Native {
  readonly bpf: typeof import("./bpf.js");
  readonly attach: typeof import("./attach.js");
  readonly reader: typeof import("./target-memory.js");
  readonly tracefs: typeof import("../bpf/tracefs.js"); // tracefsRoot(): finds or mounts, as blocksnoop does
}

export async function loadNative(): Promise<{ check: Check; native: Native | undefined }> {
  const platform = `${process.platform}-${process.arch}`;
  try {
    const [bpf, attach, reader, tracefs] = await Promise.all([import("./bpf.js"), import("./attach.js"), import("./target-memory.js"), import("../bpf/tracefs.js")]);
    return { check: ok("ffi", `koffi's prebuilt native module loaded (${platform})`), native: { bpf, attach, reader, tracefs } };
  } catch (e) {
    return {
      check: fail(
        "ffi",
        `cannot load koffi's native module: ${e instanceof Error ? e.message : String(e)}`,
        `reinstall with optional dependencies (npm ci, no --omit=optional): the prebuilt binary for ${platform} ships in @koromix/koffi-${platform}`,
      ),
      native: undefined,
    };
  }
}
