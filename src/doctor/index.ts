// doctor: what works on this machine (and for one target process), what does not, and how to fix
// it. Every check runs, whatever failed before, so one run shows every problem at once; a check
// that throws becomes a failed check, never a crash.
import { hasCap } from "./caps.js";
import { doctorExitCode, fail, warn, type Check } from "./check.js";
import { archCheck, kernelCheck, lockdownCheck, pidNamespaceCheck, userNamespaceCheck } from "./host.js";
import { loadNative } from "./native.js";
import { capabilityChecks, ownCaps, sysctlChecks } from "./privileges.js";
import { renderJson, renderText } from "./render.js";
import { liveTracefs, locateTracefs, waitTracepointsCheck } from "./tracefs.js";
import { targetChecks } from "./target.js";

export type { Check, Status } from "./check.js";
export { doctorExitCode } from "./check.js";

/** Run `make`; an exception becomes a failed check named `id` (a doctor must not crash on its own bug). */
function guard(id: string, make: () => Check | Check[]): Check[] {
  try {
    const r = make();
    return Array.isArray(r) ? r : [r];
  } catch (e) {
    return [fail(id, `check crashed: ${e instanceof Error ? e.message : String(e)}`, "report this as a blocksnoop bug, with this output")];
  }
}

/** The machine's checks, in the order a reader fixes them: kernel, privileges, BPF, tracefs, namespaces. */
export async function systemChecks(): Promise<Check[]> {
  const caps = ownCaps();
  const { check: ffi, native } = await loadNative();
  const bpf = native === undefined ? undefined : native.bpf.bpfChecks();
  const tracefs = locateTracefs(caps !== undefined && hasCap(caps, "SYS_ADMIN"), liveTracefs(native?.tracefs.tracefsRoot));
  const notChecked = (id: string): Check => warn(id, "not checked: the FFI did not load", "see the ffi check");
  return [
    ...guard("kernel", () => kernelCheck()),
    ...guard("arch", () => archCheck()),
    ...guard("capabilities", () => capabilityChecks(caps)),
    ...guard("sysctl", () => sysctlChecks(caps)),
    ...guard("user-namespace", userNamespaceCheck),
    ...guard("lockdown", lockdownCheck),
    ffi,
    ...(bpf?.checks ?? [notChecked("bpf-program")]),
    tracefs.check,
    ...guard("wait-tracepoints", () => waitTracepointsCheck(tracefs.root)),
    ...(native === undefined ? [notChecked("tracepoint-attach")] : guard("tracepoint-attach", () => native.attach.attachCheck(tracefs.root, bpf?.usable === true))),
    ...guard("pid-namespace", pidNamespaceCheck),
  ];
}

/** `blocksnoop doctor [PID] [--json]`: 0 when everything needed works, 5 when not, 3 when PID does not exist. */
export async function runDoctor(o: { pid: number | undefined; json: boolean }, out: (s: string) => void): Promise<number> {
  const checks = await systemChecks();
  let missing = false;
  if (o.pid !== undefined) {
    const { native } = await loadNative();
    const t = targetChecks(o.pid, native?.reader.readerChecks);
    checks.push(...t.checks);
    missing = t.missing;
  }
  out(o.json ? renderJson(checks) : renderText(checks));
  return doctorExitCode(checks, missing);
}
