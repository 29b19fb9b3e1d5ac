// A Dockerfile as stages of instructions: continuation lines joined, comments dropped, ARG
// defaults substituted into FROM. Enough to check what each stage installs and ships.

export interface Instruction {
  readonly op: string; // upper case: FROM, RUN, COPY, ...
  readonly args: string;
}

export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw)) continue; // comments (and the syntax directive), even inside a continuation
    const line = raw.trimEnd();
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full !== "") logical.push(full);
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    const op = (m?.[1] ?? "").toUpperCase();
    const rest = m?.[2] ?? "";
    if (op === "ARG" && stages.length === 0) {
      const [k, v] = rest.split("=", 2);
      if (k !== undefined && v !== undefined) args.set(k.trim(), v.trim());
    }
    if (op === "FROM") {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      const image = (f?.[1] ?? rest).replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get(a ?? b ?? "") ?? "");
      stages.push({ name: f?.[2], from: image, instructions: [] });
      continue;
    }
    stages[stages.length - 1]?.instructions.push({ op, args: rest });
  }
  return stages;
}
