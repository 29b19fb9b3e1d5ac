// doctor: what works on this machine (and for one target process), what does not, and how to fix
// it. Every check runs, whatever failed before, so one run shows every problem at once.
import { hasCap } from "./caps.js";
import { doctorExitCode, type Check } from "./check.js";
import { archCheck, kernelCheck, lockdownCheck, pidNamespaceCheck, userNamespaceCheck } from "./host.js";
import { bpfChecks } from "./bpf.js";
import { capabilityChecks, ownCaps, sysctlChecks } from "./privileges.js";
import { renderJson, renderText } from "./render.js";
import { attachCheck, locateTracefs, waitTracepointsCheck } from "./tracefs.js";
import { targetChecks } from "./target.js";

export type { Check, Status } from "./check.js";
export { doctorExitCode } from "./check.js";

/** The machine's checks, in the order a reader fixes them: kernel, privileges, BPF, tracefs, namespaces. */
export function systemChecks(): Check[] {
  const caps = ownCaps();
  const bpf = bpfChecks();
  const tracefs = locateTracefs(caps !== undefined && hasCap(caps, "SYS_ADMIN"));
  return [
    kernelCheck(),
    archCheck(),
    ...capabilityChecks(caps),
    ...sysctlChecks(caps),
    userNamespaceCheck(),
    lockdownCheck(),
    ...bpf.checks,
    tracefs.check,
    waitTracepointsCheck(tracefs.root),
    attachCheck(tracefs.root, bpf.usable),
    pidNamespaceCheck(),
  ];
}

/** `blocksnoop doctor [PID] [--json]`: 0 when everything needed works, 5 when not, 3 when PID does not exist. */
export async function runDoctor(o: { pid: number | undefined; json: boolean }, out: (s: string) => void): Promise<number> {
  const checks = systemChecks();
  let missing = false;
  if (o.pid !== undefined) {
    const t = targetChecks(o.pid);
    checks.push(...t.checks);
    missing = t.missing;
  }
  out(o.json ? renderJson(checks) : renderText(checks));
  return doctorExitCode(checks, missing);
}
