// The Dockerfile cannot be built here (no Docker engine), so its content is checked: no compiler
// or headers installed in any stage, a runtime stage with production dependencies only, an
// entrypoint that exists, and a build context that holds what the COPYs need.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../helpers/cli.js";
import { parseDockerfile, type Stage } from "./dockerfile.js";

const stages = parseDockerfile(fs.readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"));
const runtime = stages[stages.length - 1] ?? assert.fail("a stage");
const runs = (s: Stage): string[] => s.instructions.filter((i) => i.op === "RUN").map((i) => i.args);

/** What blocksnoop exists to do without: toolchains, kernel headers, BCC/libbpf/bpftrace. */
const FORBIDDEN = /(build-essential|\bgcc\b|\bg\+\+|\bclang\b|\bllvm|linux-headers|kernel-headers|kernel-devel|\bcmake\b|bpfcc|\bbcc\b|libbpf|bpftrace|python3?-dev|node-gyp|\bmake\b)/;

test("Dockerfile: no stage installs a compiler, kernel headers or BPF toolchain", () => {
  assert.ok(stages.length >= 2, "a build stage and a runtime stage");
  for (const s of stages) for (const r of runs(s)) assert.doesNotMatch(r, FORBIDDEN, `stage ${s.name ?? s.from}: RUN ${r}`);
});

test("Dockerfile: every stage is Node.js 20 on Debian", () => {
  for (const s of stages) assert.match(s.from, /^node:20[.\d]*-(bookworm|bullseye|trixie)?-?slim$|^node:20[.\d]*-slim$/, s.from);
});

test("Dockerfile: the build stage compiles TypeScript; the runtime stage gets dist and production node_modules only", () => {
  const build = stages.find((s) => runs(s).some((r) => /\btsc\b/.test(r))) ?? assert.fail("a stage runs tsc");
  assert.notEqual(build, runtime, "no TypeScript in the runtime stage");
  for (const r of runs(runtime)) assert.doesNotMatch(r, /\bnpm (ci|install|i)\b|apt-get install|apk add/, `runtime stage installs nothing: ${r}`);

  const copies = runtime.instructions.filter((i) => i.op === "COPY").map((i) => i.args);
  const fromStage = (dest: RegExp): Stage => {
    const c = copies.find((x) => dest.test(x)) ?? assert.fail(`runtime copies ${dest}`);
    const name = /--from=(\S+)/.exec(c)?.[1] ?? assert.fail(`${c} comes from a stage`);
    return stages.find((s) => s.name === name) ?? assert.fail(`stage ${name}`);
  };
  const deps = fromStage(/node_modules/);
  assert.ok(runs(deps).some((r) => /npm ci\b.*--omit=dev/.test(r)), "node_modules come from `npm ci --omit=dev`");
  assert.ok(runs(deps).every((r) => !/\btsc\b|typescript/.test(r)), "the dependency stage builds nothing");
  assert.equal(fromStage(/dist\/src/), build);
  for (const c of copies) assert.doesNotMatch(c, /(^|\s)(\.\/)?(src|test|bench)\b/, `runtime copies no sources: COPY ${c}`);
});

test("Dockerfile: ENTRYPOINT runs the compiled CLI, which the build produces", () => {
  const ep = runtime.instructions.filter((i) => i.op === "ENTRYPOINT").at(-1) ?? assert.fail("an ENTRYPOINT");
  assert.deepEqual(JSON.parse(ep.args), ["node", "/app/dist/src/cli/main.js"]);
  assert.ok(runtime.instructions.some((i) => i.op === "WORKDIR" && i.args === "/app"));
  assert.ok(fs.existsSync(path.join(repoRoot, "src/cli/main.ts")), "dist/src/cli/main.js is built from src/cli/main.ts");
});

test("koffi's prebuilt native modules are in the lock file: nothing compiles at install", () => {
  const lock: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"));
  const pkgs = typeof lock === "object" && lock !== null && "packages" in lock ? lock.packages : undefined;
  assert.ok(typeof pkgs === "object" && pkgs !== null);
  for (const arch of ["x64", "arm64"]) assert.ok(`node_modules/@koromix/koffi-linux-${arch}` in pkgs, `prebuilt koffi for linux-${arch}`);
});

test(".dockerignore keeps the context small without hiding what the COPYs need", () => {
  const ignored = fs.readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  for (const p of ["node_modules", "dist", ".git"]) assert.ok(ignored.includes(p), `ignores ${p}`);
  const sources = stages.flatMap((s) => s.instructions).filter((i) => i.op === "COPY" && !i.args.includes("--from=")).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(sources.length > 0);
  for (const src of sources) {
    assert.ok(!ignored.includes(src.replace(/\/$/, "")), `${src} is not ignored`);
    assert.ok(fs.existsSync(path.join(repoRoot, src)), `${src} exists in the repository`);
  }
});
