// The stress process of the cpu, memory and fd faults (run as `node stressor.js MODE ...`).
// Attached to a service it stands for load inside the service's container: it watches the
// service's pid and exits with it, and the memory stressor kills the service's process
// group when their resident memory together reaches the limit, as the OOM killer would.
//   cpu                       burn one core
//   memory RATE LIMIT [PID]   touch RATE bytes/s of new memory up to LIMIT bytes (with PID: its RSS counts too)
//   fd COUNT [PID]            open COUNT descriptors (or until the open-files limit) and hold them
import { openSync, readFileSync } from "node:fs";

const [mode, ...args] = process.argv.slice(2);
const watched = (position: number): number | null => (args[position] !== undefined ? Number(args[position]) : null);

function rssOf(pid: number | "self"): number {
  try {
    return Number(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitWith(pid: number | null): void {
  if (pid === null) return;
  setInterval(() => {
    if (!alive(pid)) process.exit(0);
  }, 100);
}

process.on("SIGTERM", () => process.exit(0));

if (mode === "cpu") {
  const pid = watched(0);
  // A busy loop in slices, so the watch timer still runs between them.
  const burn = (): void => {
    const until = Date.now() + 90;
    while (Date.now() < until) Math.sqrt(Math.random());
    setImmediate(burn);
  };
  exitWith(pid);
  burn();
} else if (mode === "memory") {
  const rate = Number(args[0]);
  const limit = Number(args[1]);
  const pid = watched(2);
  const held: Buffer[] = [];
  const chunk = 1024 * 1024;
  const start = Date.now();
  let total = 0;
  exitWith(pid);
  setInterval(() => {
    const used = rssOf("self") + (pid === null ? 0 : rssOf(pid));
    if (used >= limit) {
      if (pid !== null) {
        // The OOM killer's verdict on the container: the service's whole process group.
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
        process.exit(0);
      }
      return; // a node-level hog holds what it has
    }
    const due = (rate * (Date.now() - start)) / 1000;
    while (total + chunk <= due) {
      held.push(Buffer.alloc(chunk, 1));
      total += chunk;
    }
  }, 50);
} else if (mode === "fd") {
  const count = Number(args[0]);
  const pid = watched(1);
  const fds: number[] = [];
  try {
    while (fds.length < count) fds.push(openSync("/dev/null", "r"));
  } catch {
    // EMFILE: the open-files limit is reached, which is the point.
  }
  exitWith(pid);
  setInterval(() => void fds.length, 1000);
} else {
  console.error(`stressor: unknown mode "${mode}" (cpu, memory, fd)`);
  process.exit(2);
}
