// A healthy but very busy Node.js loop: setImmediate re-armed from itself, so every libuv loop
// iteration is one epoll_pwait(timeout=0). Same stdin protocol as busy_asyncio.py.
import { createInterface } from "node:readline";

const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");

function busy(seconds) {
  return new Promise((resolve) => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const endAt = start + BigInt(Math.round(seconds * 1e9));
    const tick = () => {
      n++;
      if ((n & 255) === 0) {
        const now = process.hrtime.bigint();
        if (now >= endAt) {
          const s = Number(now - start) / 1e9;
          const cpu = process.cpuUsage(cpu0); // the whole process (µs): the loop thread dominates
          resolve({ cpu_s: (cpu.user + cpu.system) / 1e6,  iterations: n, seconds: s, rate: n / s, start_ns: String(start), end_ns: String(now) });
          return;
        }
      }
      setImmediate(tick);
    };
    setImmediate(tick);
  });
}

const rl = createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  const cmd = line.trim().split(/\s+/);
  if (cmd[0] === "quit") process.exit(0);
  if (cmd[0] === "run") chain = chain.then(() => busy(Number(cmd[1]))).then(emit);
});
rl.on("close", () => process.exit(0));
emit({ ready: true, pid: process.pid });
