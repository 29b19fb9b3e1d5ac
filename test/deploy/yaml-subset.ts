// A reader for the YAML subset the deploy manifests are written in, so the tests need no YAML
// package: block mappings and sequences by indentation, `---` documents, whole-line and trailing
// comments, plain/quoted scalars, and JSON-compatible flow values (`{}`, `["a"]`). Anything else —
// anchors, tags, multi-line strings, tabs — is an error, which keeps the manifests in the subset.
// Plain yes/no/on/off are refused too: Kubernetes' YAML 1.1 parser would read them as booleans.

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

class YamlError extends Error {}
const bad = (l: Line | undefined, why: string): YamlError => new YamlError(`line ${l?.no ?? "end"}: ${why}`);

/** Every document of a multi-document text, in order (empty documents skipped). */
export function parseDocuments(src: string): Yaml[] {
  const docs: Line[][] = [[]];
  src.split("\n").forEach((raw, i) => {
    if (/^---\s*$/.test(raw)) return void docs.push([]);
    if (raw.includes("\t")) throw bad({ indent: 0, text: raw, no: i + 1 }, "tab");
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "") return;
    const indent = text.length - text.trimStart().length;
    docs[docs.length - 1]?.push({ indent, text: text.trimStart(), no: i + 1 });
  });
  return docs.filter((d) => d.length > 0).map((lines) => {
    const [v, next] = block(lines, 0, lines[0]?.indent ?? 0);
    if (next < lines.length) throw bad(lines[next], "unexpected indentation");
    return v;
  });
}

/** Drop a comment: `#` at the start or after a space, outside quotes. */
function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== undefined) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || raw[i - 1] === " ")) return raw.slice(0, i);
  }
  return raw;
}

const isItem = (l: Line | undefined): boolean => l !== undefined && (l.text === "-" || l.text.startsWith("- "));

function block(lines: Line[], i: number, indent: number): [Yaml, number] {
  return isItem(lines[i]) ? sequence(lines, i, indent) : mapping(lines, i, indent);
}

function sequence(lines: Line[], i: number, indent: number): [Yaml[], number] {
  const out: Yaml[] = [];
  for (let l = lines[i]; l !== undefined && l.indent === indent && isItem(l); l = lines[i]) {
    const rest = l.text.slice(1).trimStart();
    if (rest === "") {
      const next = lines[i + 1];
      if (next === undefined || next.indent <= indent) throw bad(l, "empty list item");
      const [v, n] = block(lines, i + 1, next.indent);
      out.push(v);
      i = n;
    } else if (KEY.test(rest)) {
      // "- key: v" opens a mapping whose keys line up with "key"
      const at = indent + (l.text.length - rest.length);
      lines[i] = { indent: at, text: rest, no: l.no };
      const [v, n] = mapping(lines, i, at);
      out.push(v);
      i = n;
    } else {
      out.push(scalar(rest, l));
      i++;
    }
  }
  return [out, i];
}

const KEY = /^("(?:[^"\\]|\\.)*"|[^\s"'#\-[{][^:]*?|-[^\s:][^:]*?):(?: (.*))?$/;

function mapping(lines: Line[], i: number, indent: number): [{ [key: string]: Yaml }, number] {
  const out: { [key: string]: Yaml } = {};
  for (let l = lines[i]; l !== undefined && l.indent === indent && !isItem(l); l = lines[i]) {
    const m = KEY.exec(l.text);
    if (m === null) throw bad(l, `not a "key: value" line: ${l.text}`);
    const rawKey = m[1] ?? "";
    const key = rawKey.startsWith('"') ? String(JSON.parse(rawKey)) : rawKey;
    if (Object.hasOwn(out, key)) throw bad(l, `duplicate key ${key}`);
    const value = (m[2] ?? "").trim();
    i++;
    if (value !== "") {
      out[key] = scalar(value, l);
      continue;
    }
    const next = lines[i];
    if (next !== undefined && (next.indent > indent || (next.indent === indent && isItem(next)))) {
      const [v, n] = block(lines, i, next.indent);
      out[key] = v;
      i = n;
    } else out[key] = null;
  }
  return [out, i];
}

function scalar(s: string, l: Line): Yaml {
  if (s.startsWith('"')) return parseJson(s, l);
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw bad(l, "unterminated single quote");
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith("[") || s.startsWith("{")) return parseJson(s, l);
  if (/^[&*!|>%@`]/.test(s)) throw bad(l, `outside the subset: ${s}`);
  if (s === "true" || s === "false") return s === "true";
  if (s === "null" || s === "~") return null;
  if (/^(yes|no|on|off|y|n)$/i.test(s)) throw bad(l, `ambiguous boolean '${s}': quote it`);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function parseJson(s: string, l: Line): Yaml {
  try {
    return JSON.parse(s) as Yaml; // JSON values are a subset of Yaml by construction
  } catch {
    throw bad(l, `not a JSON-compatible value: ${s}`);
  }
}
