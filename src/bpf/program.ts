// Program load with the verifier log carried by the error.
import { ToolError } from "../errors.js";
import { closeFd, ENOSPC, EPERM, objectId, progLoad, ProgType } from "./sys/index.js";
import { marshal } from "./asm/marshal.js";
import type { Instruction } from "./asm/insn.js";

/** The verifier refused a program. `log` holds the whole log; the message shows its tail. */
export class VerifierError extends ToolError {
  readonly log: string;
  readonly program: string;

  constructor(program: string, log: string, cause: ToolError) {
    super("verifier", `load program ${program}: verifier refused it: ${lastRelevantLines(log, 6).join(" | ")}`, { cause, ...(cause.errno === undefined ? {} : { errno: cause.errno }), hint: "the whole verifier log is in VerifierError.log (--verbose prints it)" });
    this.log = log;
    this.program = program;
  }
}
VerifierError.prototype.name = "VerifierError";

/** The last lines that say something (skips the "processed N insns" statistics footer). */
export function lastRelevantLines(log: string, count: number): string[] {
  const lines = log.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  const footer = /^(processed \d+ insns|verification time|stack depth)/;
  const body = lines.filter((l) => !footer.test(l));
  return body.slice(-count);
}

export interface ProgramSpec {
  readonly name: string;
  readonly type?: number;
  readonly license?: string;
  readonly instructions: readonly Instruction[];
}

export class Program {
  #fd: number;
  readonly name: string;
  readonly instructionCount: number;

  private constructor(fd: number, name: string, count: number) {
    this.#fd = fd;
    this.name = name;
    this.instructionCount = count;
  }

  /** Load: first without a log (fast path), then again with a growing log to explain a failure. */
  static load(spec: ProgramSpec): Program {
    const insns = marshal(spec.instructions);
    const base = { type: spec.type ?? ProgType.Tracepoint, insns, license: spec.license ?? "GPL", name: spec.name };
    const first = progLoad(base);
    if (typeof first === "number") return new Program(first, spec.name, insns.length / 8);
    // EACCES is also how the verifier refuses a program: only EPERM skips the retry with a log.
    if (first.errno === EPERM) throw wrapLoad(spec.name, first);
    for (let size = 1 << 16; size <= 1 << 24; size *= 4) {
      const log = Buffer.alloc(size);
      const again = progLoad({ ...base, log });
      if (typeof again === "number") return new Program(again, spec.name, insns.length / 8); // flaky first failure
      const text = log.toString("utf8", 0, Math.max(0, log.indexOf(0)));
      if (again.errno === ENOSPC && size < 1 << 24) continue; // log too small (no log_true_size before 6.4)
      if (text === "") throw wrapLoad(spec.name, again);
      throw new VerifierError(spec.name, text, again);
    }
    throw wrapLoad(spec.name, first);
  }

  get fd(): number {
    return this.#fd;
  }

  /** Kernel program id (for leak checks and bpftool). */
  get id(): number {
    return objectId(this.#fd, "prog");
  }

  close(): void {
    if (this.#fd < 0) return;
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

function wrapLoad(name: string, cause: ToolError): ToolError {
  return new ToolError(cause.kind, `load program ${name}`, { cause });
}
