// attach: how the run-cause programs reach the scheduler and syscall tracepoints — raw
// tracepoints when the kernel takes them (no perf record per event), else perf tracepoints with
// field offsets read from tracefs.
import { ToolError } from "../../errors.js";
import { Program } from "../../bpf/program.js";
import { TracepointLink } from "../../bpf/link.js";
import { readTracepoint, type TracepointFormat } from "../../bpf/tracefs.js";
import type { ProgArray } from "../../bpf/map.js";
import type { Instruction } from "../../bpf/asm/insn.js";
import { PROG_TYPE_RAW_TRACEPOINT, RAW_SYS_ENTER_ID, RawTracepointLink } from "../../bpf/raw-tracepoint.js";
import {
  rawSwitchProgram, rawWakeupProgram, switchProgram, sysEnterProgram, sysExitProgram, wakeupProgram,
  type RawSyscallOffsets, type RunCauseLayout, type RunCauseMaps, type SchedOffsets,
} from "./program.js";

/** Anything the probe owns and closes. */
export interface Closable {
  close(): void;
}

type Own = <T extends Closable>(r: T) => T;

/** Two programs for one tracepoint pair: raw tracepoints, and how to build the perf fallback. */
interface PairSpec {
  readonly what: string; // for the fallback note: "scheduler", "raw_syscalls"
  readonly category: string; // perf tracepoint category
  readonly names: readonly [string, string];
  readonly progNames: readonly [string, string];
  raw(): readonly [Instruction[], Instruction[]];
  perf(): readonly [Instruction[], Instruction[]];
}

/**
 * Attach a pair of programs with raw tracepoints when the kernel takes them (cheap: no perf
 * record per event), else with the perf tracepoints; what was opened for a failed raw attempt
 * is closed before the fallback.
 */
function attachPair(spec: PairSpec, own: Own, perfOnly: boolean, notes: string[]): "raw" | "perf" {
  if (!perfOnly) {
    const opened: Closable[] = [];
    try {
      const code = spec.raw();
      const progs = [0, 1].map((i) => {
        const p = Program.load({ name: spec.progNames[i] ?? "", type: PROG_TYPE_RAW_TRACEPOINT, instructions: code[i] ?? [] });
        opened.push(p);
        return p;
      });
      progs.forEach((p, i) => opened.push(RawTracepointLink.attach(p, spec.names[i] ?? "")));
      for (const r of opened) own(r);
      return "raw";
    } catch (e) {
      for (const r of opened.reverse()) r.close();
      if (e instanceof ToolError && e.kind === "permission") throw e;
      notes.push(`${spec.what} traced through perf tracepoints: ${e instanceof ToolError ? e.chain() : String(e)}`);
    }
  }
  const code = spec.perf();
  const progs = [0, 1].map((i) => own(Program.load({ name: spec.progNames[i] ?? "", instructions: code[i] ?? [] })));
  progs.forEach((p, i) => {
    const name = spec.names[i] ?? "";
    const link = TracepointLink.attach(p, spec.category, name);
    if (link === undefined) throw new ToolError("not-supported", `attach ${spec.category}/${name}: no such tracepoint`);
    own(link);
  });
  return "perf";
}

export function attachSched(maps: RunCauseMaps, l: RunCauseLayout, own: Own, perfOnly: boolean, notes: string[]): "raw" | "perf" {
  return attachPair(
    {
      what: "scheduler",
      category: "sched",
      names: ["sched_switch", "sched_wakeup"],
      progNames: ["rc_switch", "rc_wakeup"],
      raw: () => [rawSwitchProgram(maps, l), rawWakeupProgram(maps, l)],
      perf: () => {
        // The perf records carry initial-namespace pids; the raw programs ask the kernel for the namespace's.
        if (l.pidNamespace !== undefined) throw new ToolError("not-supported", "account causes inside a PID namespace: needs sched_switch as a raw tracepoint (linux ≥ 5.18)");
        const sched = schedOffsets();
        return [switchProgram(maps, l, sched), wakeupProgram(maps, l, sched)];
      },
    },
    own,
    perfOnly,
    notes,
  );
}

/** raw_syscalls sys_enter/sys_exit (perf fallback: offsets from tracefs). */
export function attachSyscalls(maps: RunCauseMaps, l: RunCauseLayout, futexNrs: readonly number[], skip: readonly number[], own: Own, perfOnly: boolean, notes: string[]): "raw" | "perf" {
  return attachPair(
    {
      what: "raw_syscalls",
      category: "raw_syscalls",
      names: ["sys_enter", "sys_exit"],
      progNames: ["rc_sys_enter", "rc_sys_exit"],
      raw: () => {
        const raw = { enterId: RAW_SYS_ENTER_ID, exitId: null };
        return [sysEnterProgram(maps, l, raw, skip), sysExitProgram(maps, l, raw, futexNrs)];
      },
      perf: () => {
        const offsets = rawSyscallOffsets();
        return [sysEnterProgram(maps, l, offsets, skip), sysExitProgram(maps, l, offsets, futexNrs, skip)];
      },
    },
    own,
    perfOnly,
    notes,
  );
}

/**
 * raw_syscalls through loop-gap's own raw programs (its raw_syscalls mode): load ours as raw
 * tracepoint programs and put them in its tail-call slots; closing takes them out again first.
 */
export function tailCallSyscalls(
  maps: RunCauseMaps, l: RunCauseLayout, futexNrs: readonly number[], skip: readonly number[],
  tail: { readonly map: ProgArray; readonly enter: number; readonly exit: number }, own: Own,
): void {
  const raw = { enterId: RAW_SYS_ENTER_ID, exitId: null };
  const enter = own(Program.load({ name: "rc_sys_enter", type: PROG_TYPE_RAW_TRACEPOINT, instructions: sysEnterProgram(maps, l, raw, skip) }));
  const exit = own(Program.load({ name: "rc_sys_exit", type: PROG_TYPE_RAW_TRACEPOINT, instructions: sysExitProgram(maps, l, raw, futexNrs) }));
  // owned after the programs, so closed before them
  own({ close: () => { tail.map.clear(tail.enter); tail.map.clear(tail.exit); } });
  tail.map.set(tail.enter, enter);
  tail.map.set(tail.exit, exit);
}

function field(tp: TracepointFormat, name: string, sizes: readonly number[]): { offset: number; size: number } {
  const f = tp.fields.find((x) => x.name === name);
  if (f === undefined || !sizes.includes(f.size)) throw new ToolError("not-supported", `read ${tp.name} format: no usable "${name}" field`);
  return f;
}

function required(category: string, name: string): TracepointFormat {
  const tp = readTracepoint(category, name);
  if (tp === undefined) throw new ToolError("not-supported", `find tracepoint ${category}/${name}: not in tracefs`);
  return tp;
}

/** sched_switch / sched_wakeup field offsets (read from tracefs, never assumed). */
export function schedOffsets(): SchedOffsets {
  const sw = required("sched", "sched_switch");
  const wk = required("sched", "sched_wakeup");
  const prevState = field(sw, "prev_state", [4, 8]);
  return {
    prevPid: field(sw, "prev_pid", [4]).offset,
    prevState: prevState.offset,
    prevStateSize: prevState.size === 8 ? 8 : 4,
    nextPid: field(sw, "next_pid", [4]).offset,
    wakeupPid: field(wk, "pid", [4]).offset,
  };
}

/** raw_syscalls:sys_enter/sys_exit `id` offsets. */
export function rawSyscallOffsets(): RawSyscallOffsets {
  return {
    enterId: field(required("raw_syscalls", "sys_enter"), "id", [8]).offset,
    exitId: field(required("raw_syscalls", "sys_exit"), "id", [8]).offset,
  };
}
