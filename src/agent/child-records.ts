// What the agent's running children are, kept in its data dir (<dir>/<service>.json: the
// pid, the process's start time and the run config's fingerprint), so that an agent that was
// killed (kill -9, the OOM killer, a crash) and is started again finds the services it left
// running and takes them back, instead of starting second copies next to them — as kubelet
// keeps a node's containers running across its own restarts.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ChildRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot): tells a reused pid from ours. */
  startTime: string;
  /** The run config it was started with (command, cwd, env, pidfile). */
  fingerprint: string;
}

export class ChildRecords {
  constructor(private readonly dir: string) {}

  /** Records a child just started; written whole (a temporary file renamed), never half. */
  write(service: string, record: ChildRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const path = this.pathOf(service);
    writeFileSync(`${path}.tmp`, JSON.stringify(record), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** The service's record, or null when there is none or it is not a record this agent wrote. */
  read(service: string): ChildRecord | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.pathOf(service), "utf8"));
    } catch {
      return null;
    }
    const r = parsed as Partial<ChildRecord> | null;
    if (!r || !Number.isSafeInteger(r.pid) || (r.pid as number) <= 0 || typeof r.startTime !== "string" || typeof r.fingerprint !== "string") {
      return null;
    }
    return { pid: r.pid as number, startTime: r.startTime, fingerprint: r.fingerprint };
  }

  remove(service: string): void {
    rmSync(this.pathOf(service), { force: true });
  }

  private pathOf(service: string): string {
    return join(this.dir, `${service}.json`);
  }
}

/**
 * When the process started (field 22 of /proc/<pid>/stat, clock ticks after boot), or null
 * when there is no such process. Together with the pid it names one process for good: a pid
 * handed to a new process after ours died comes with another start time.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces and ')': fields are
  // counted from after the last ')', where field 3 (the state) begins.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}
