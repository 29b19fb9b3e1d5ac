// The overhead floor: the cheapest possible BPF program on the same tracepoints as blocksnoop.
// It only counts — one atomic add into an array — so whatever it costs is the price of enabling
// those tracepoints at all, which no tool built on them can go below. Two kinds, as blocksnoop
// has two ways to watch the wait syscalls:
// - "tp": sys_enter_* and sys_exit_* of every wait syscall this kernel has (14 perf tracepoints;
//   the kernel builds a perf record of the syscall's arguments before each program run);
// - "raw": raw_syscalls:sys_enter/sys_exit as raw tracepoints (every syscall of the machine runs
//   the program, with no record built; loop-gap's rawSyscalls mode, the CLI's default with causes).
//   It counts every syscall's exit, not only the waits'.
import { asm, arrayMap, Program, PROG_TYPE_RAW_TRACEPOINT, RawTracepointLink, TracepointLink, type BpfMap } from "../../src/bpf/index.js";
import { traceableWaitSyscalls } from "../../src/probes/loop-gap/syscalls.js";

const { ldMapValue, mov64Imm, atomicAdd, exit, R0, R1, R2, Size } = asm;

export class FloorProbe {
  readonly #map: BpfMap;
  readonly #programs: Program[];
  readonly #links: Array<TracepointLink | RawTracepointLink>;
  readonly syscalls: string[];

  private constructor(map: BpfMap, programs: Program[], links: Array<TracepointLink | RawTracepointLink>, syscalls: string[]) {
    this.#map = map;
    this.#programs = programs;
    this.#links = links;
    this.syscalls = syscalls;
  }

  /** Count system-wide: no pid filter (a filter would already be more than the floor). */
  static open(kind: "tp" | "raw" = "tp"): FloorProbe {
    const map = arrayMap("bench_floor", 16, 1); // u64 enters, u64 exits
    const programs: Program[] = [];
    const links: Array<TracepointLink | RawTracepointLink> = [];
    try {
      const counter = (offset: number) =>
        Program.load({
          name: offset === 0 ? "floor_enter" : "floor_exit",
          ...(kind === "raw" ? { type: PROG_TYPE_RAW_TRACEPOINT } : {}),
          instructions: [ldMapValue(R1, map, offset), mov64Imm(R2, 1), atomicAdd(Size.DW, R1, 0, R2), mov64Imm(R0, 0), exit()],
        });
      const enter = counter(0);
      programs.push(enter);
      const exitP = counter(8);
      programs.push(exitP);
      if (kind === "raw") {
        links.push(RawTracepointLink.attach(enter, "sys_enter"), RawTracepointLink.attach(exitP, "sys_exit"));
        return new FloorProbe(map, programs, links, ["(every syscall)"]);
      }
      const names = traceableWaitSyscalls().map((s) => s.name);
      for (const name of names) {
        for (const [p, tp] of [[enter, `sys_enter_${name}`], [exitP, `sys_exit_${name}`]] as const) {
          const link = TracepointLink.attach(p, "syscalls", tp);
          if (link === undefined) throw new Error(`tracepoint syscalls/${tp} vanished`);
          links.push(link);
        }
      }
      return new FloorProbe(map, programs, links, names);
    } catch (e) {
      for (const l of links) l.close();
      for (const p of programs) p.close();
      map.close();
      throw e;
    }
  }

  get programIds(): number[] {
    return this.#programs.map((p) => p.id);
  }

  counts(): { enters: bigint; exits: bigint } {
    const v = this.#map.lookup(Buffer.alloc(4));
    return { enters: v?.readBigUInt64LE(0) ?? 0n, exits: v?.readBigUInt64LE(8) ?? 0n };
  }

  close(): void {
    for (const l of this.#links) l.close();
    for (const p of this.#programs) p.close();
    this.#map.close();
  }
}
