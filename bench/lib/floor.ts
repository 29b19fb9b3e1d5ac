// The overhead floor: the cheapest possible BPF program on the same tracepoints as blocksnoop
// (sys_enter_* and sys_exit_* of every wait syscall this kernel has). It only counts — one
// atomic add into an array — so whatever it costs is the price of enabling those syscall
// tracepoints at all, which no tracepoint-based tool can go below.
import { asm, arrayMap, Program, TracepointLink, type BpfMap } from "../../src/bpf/index.js";
import { traceableWaitSyscalls } from "../../src/probes/loop-gap/syscalls.js";

const { ldMapValue, mov64Imm, atomicAdd, exit, R0, R1, R2, Size } = asm;

export class FloorProbe {
  readonly #map: BpfMap;
  readonly #programs: Program[];
  readonly #links: TracepointLink[];
  readonly syscalls: string[];

  private constructor(map: BpfMap, programs: Program[], links: TracepointLink[], syscalls: string[]) {
    this.#map = map;
    this.#programs = programs;
    this.#links = links;
    this.syscalls = syscalls;
  }

  /** Count system-wide: no pid filter (a filter would already be more than the floor). */
  static open(): FloorProbe {
    const map = arrayMap("bench_floor", 16, 1); // u64 enters, u64 exits
    const programs: Program[] = [];
    const links: TracepointLink[] = [];
    try {
      const counter = (offset: number) =>
        Program.load({
          name: offset === 0 ? "floor_enter" : "floor_exit",
          instructions: [ldMapValue(R1, map, offset), mov64Imm(R2, 1), atomicAdd(Size.DW, R1, 0, R2), mov64Imm(R0, 0), exit()],
        });
      const enter = counter(0);
      programs.push(enter);
      const exitP = counter(8);
      programs.push(exitP);
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
