// Records a snapshot fixture for snapshot.test.ts: runs stacks_target.py under pyenv 3.12,
// walks it through a RecordingMemory, and writes every region read plus what to expect.
// Run as root: node dist/test/python/record-snapshot.js --write   (inert without --write, since
// node --test loads every file under test/).
import { writeFileSync } from "node:fs";
import { locateInterpreter, readTargetMaps } from "../../src/python/locate.js";
import { chooseLayout, versionFromHex } from "../../src/python/layout/choose.js";
import { VmReadvMemory } from "../../src/python/memory/process-vm.js";
import { RecordingMemory, regionsToJson } from "../../src/python/memory/snapshot.js";
import { LivePython } from "../../src/python/process.js";
import { fixture } from "./fixtures.js";
import { startTarget } from "./interpreters.js";

async function main(): Promise<void> {
  const target = await startTarget("/root/.pyenv/versions/3.12.1/bin/python3", fixture("stacks_target.py"), ["40"], { threads: 2 });
  try {
    await new Promise((r) => setTimeout(r, 300)); // let the reporter thread exit
    const maps = readTargetMaps(target.pid);
    const image = locateInterpreter(target.pid, maps);
    const rec = new RecordingMemory(new VmReadvMemory(target.pid));
    const pv = image.symbols.get("Py_Version") ?? 0n;
    const version = versionFromHex(Number(new DataView(rec.read(pv, 8).buffer).getUint32(0, true)));
    const layout = chooseLayout(version, null);
    const p = new LivePython(target.pid, rec, image, layout, maps);
    const threads = p.threads();
    writeFileSync(
      fixture("snapshot-3.12.json"),
      JSON.stringify({
        note: "written by test/python/record-snapshot.ts from a live pyenv 3.12.1 stacks_target.py",
        pid: target.pid,
        hex: version.hex,
        runtime: `0x${image.runtime.toString(16)}`,
        symbols: Object.fromEntries([...image.symbols].map(([k, v]) => [k, `0x${v.toString(16)}`])),
        maps: maps.filter((m) => m.perms.startsWith("r")).map((m) => [`0x${m.start.toString(16)}`, `0x${m.end.toString(16)}`]),
        expect: threads,
        regions: regionsToJson(rec.regions),
      }),
    );
    console.log(`wrote ${rec.regions.length} regions, ${threads.length} threads`);
  } finally {
    await target.stop();
  }
}

if (process.argv.includes("--write")) await main();
