// check: one line of the doctor's checklist, and how a list of them becomes an exit code.
import { EXIT } from "../cli/exit-code.js";

export type Status = "ok" | "warn" | "fail";

/** A check's outcome: `hint` says how to fix it and is present only when the status is not ok. */
export interface Check {
  readonly id: string;
  readonly status: Status;
  readonly detail: string;
  readonly hint?: string;
}

export const ok = (id: string, detail: string): Check => ({ id, status: "ok", detail });
export const warn = (id: string, detail: string, hint: string): Check => ({ id, status: "warn", detail, hint });
export const fail = (id: string, detail: string, hint: string): Check => ({ id, status: "fail", detail, hint });

/** 3 when the target process does not exist, 5 when anything required fails, else 0. Warnings never fail. */
export function doctorExitCode(checks: readonly Check[], targetMissing: boolean): number {
  if (targetMissing) return EXIT.notFound;
  return checks.some((c) => c.status === "fail") ? EXIT.notSupported : EXIT.ok;
}
