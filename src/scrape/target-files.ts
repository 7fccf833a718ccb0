// File-based target discovery: the files a job names (the last path element may hold `*`
// wildcards) are read at start and re-read whenever one changes (checked every
// refreshInterval by size, mtime and inode). A file that becomes invalid keeps its last
// good groups and the problem is logged; a file that is deleted takes its groups with it.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { parseTargetFile } from "./target-file.js";
import type { TargetGroup } from "./target.js";

export interface TargetFilesOptions {
  /** Absolute paths; `*` and `?` allowed in the file name only. */
  patterns: string[];
  refreshMs: number;
  clock: Clock;
  logger: Logger;
  /** Called with every group of every file, after the first read and after each change. */
  onChange(groups: TargetGroup[]): void;
}

interface FileState {
  version: string;
  groups: TargetGroup[];
}

export class TargetFiles {
  private readonly files = new Map<string, FileState>();
  private timer: TimerHandle | null = null;

  constructor(private readonly o: TargetFilesOptions) {}

  /** Reads the files now, reports their groups, and starts watching. */
  start(): void {
    this.refresh(true);
    this.timer = this.o.clock.setInterval(() => this.refresh(false), this.o.refreshMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Re-reads the files that changed; reports when anything did (or always, when `report`). */
  refresh(report: boolean): void {
    let changed = false;
    const present = new Set(this.o.patterns.flatMap(expandPattern));
    for (const file of [...this.files.keys()]) {
      if (!present.has(file)) {
        this.files.delete(file);
        changed = true;
      }
    }
    for (const file of present) {
      const version = fileVersion(file);
      const known = this.files.get(file);
      if (version === null || known?.version === version) continue;
      try {
        const groups = parseTargetFile(readFileSync(file, "utf8"), file);
        this.files.set(file, { version, groups });
        changed = true;
      } catch (err) {
        // Keep the last good groups; do not re-log until the file changes again.
        this.files.set(file, { version, groups: known?.groups ?? [] });
        this.o.logger.error({ file, err: (err as Error).message }, "scrape target file is invalid; keeping its previous targets");
      }
    }
    if (changed || report) this.o.onChange([...this.files.values()].flatMap((f) => f.groups));
  }
}

function fileVersion(file: string): string | null {
  try {
    const s = statSync(file);
    return s.isFile() ? `${s.size}:${s.mtimeMs}:${s.ino}` : null;
  } catch {
    return null;
  }
}

/** The files a pattern names now: itself, or the directory's matches of its wildcard file name. */
function expandPattern(pattern: string): string[] {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const regex = new RegExp("^" + name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  try {
    const dir = dirname(pattern);
    return readdirSync(dir)
      .filter((f) => regex.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}
