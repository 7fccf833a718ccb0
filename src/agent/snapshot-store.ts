// The agent's snapshots of services' data directories on disk:
// <root>/<service>/<id>/ is a full copy of the directory, <id> the UTC time it was taken
// (so names sort in time order). A snapshot is copied into a temporary sibling and renamed
// into place, so a snapshot directory is always complete; restoring swaps directories the
// same way, keeping the old data until the new is in place.
import { cp, lstat, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, isAbsolute } from "node:path";

export interface SnapshotInfo {
  service: string;
  /** e.g. "2024-01-02T030405.123Z": the time taken, without colons (they are not portable in file names). */
  id: string;
  takenAt: number;
  dir: string;
}

export interface TakenSnapshot extends SnapshotInfo {
  bytes: number;
  files: number;
}

/** Thrown by restoreLatest when there is nothing to restore. */
export class NoSnapshotError extends Error {}

const TEMP_PREFIX = ".tmp-";
const SAFE_SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const ID_PATTERN = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z(-\d+)?$/;

export class SnapshotStore {
  constructor(readonly root: string) {}

  /** Copies `path` into a new snapshot of `service` taken at `now`. */
  async take(service: string, path: string, now: number): Promise<TakenSnapshot> {
    const serviceDir = this.serviceDir(service);
    await checkSource(path, this.root);
    await mkdir(serviceDir, { recursive: true });
    const id = await freeId(serviceDir, idOf(now));
    const temp = join(serviceDir, `${TEMP_PREFIX}${id}`);
    try {
      await cp(path, temp, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true, verbatimSymlinks: true });
      const { bytes, files } = await sizeOf(temp);
      await rename(temp, join(serviceDir, id));
      return { service, id, takenAt: now, dir: join(serviceDir, id), bytes, files };
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw new Error(`cannot copy "${path}": ${(err as Error).message}`);
    }
  }

  /** The complete snapshots of `service`, oldest first. */
  async list(service: string): Promise<SnapshotInfo[]> {
    const serviceDir = this.serviceDir(service);
    let names: string[];
    try {
      names = await readdir(serviceDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names
      .filter((name) => ID_PATTERN.test(name))
      .sort()
      .map((id) => ({ service, id, takenAt: timeOf(id), dir: join(serviceDir, id) }));
  }

  async latest(service: string): Promise<SnapshotInfo | null> {
    return (await this.list(service)).at(-1) ?? null;
  }

  /** Deletes all but the newest `keep` snapshots, and temporary copies a crash left; returns the ids deleted. */
  async prune(service: string, keep: number, options: { removeTemporary?: boolean } = {}): Promise<string[]> {
    const snapshots = await this.list(service);
    const old = snapshots.slice(0, Math.max(0, snapshots.length - keep));
    for (const s of old) await rm(s.dir, { recursive: true, force: true });
    if (options.removeTemporary) {
      const serviceDir = this.serviceDir(service);
      for (const name of await readdir(serviceDir).catch(() => [] as string[])) {
        if (name.startsWith(TEMP_PREFIX)) await rm(join(serviceDir, name), { recursive: true, force: true });
      }
    }
    return old.map((s) => s.id);
  }

  /**
   * Replaces `path` with the latest snapshot: copied into a sibling first, then the old
   * directory is renamed away and the copy renamed in (put back if that fails), and only
   * then is the old data deleted.
   */
  async restoreLatest(service: string, path: string): Promise<SnapshotInfo> {
    const snapshot = await this.latest(service);
    if (!snapshot) throw new NoSnapshotError(`no snapshot of service "${service}" in "${this.serviceDir(service)}"`);
    const target = resolve(path);
    const parent = dirname(target);
    const staging = join(parent, `.${basename(target)}.vigil-restore-${snapshot.id}`);
    const aside = join(parent, `.${basename(target)}.vigil-old-${snapshot.id}`);
    await rm(staging, { recursive: true, force: true });
    try {
      await cp(snapshot.dir, staging, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true, verbatimSymlinks: true });
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw new Error(`cannot copy snapshot ${snapshot.id} next to "${target}": ${(err as Error).message}`);
    }
    const hadData = await exists(target);
    if (hadData) {
      await rm(aside, { recursive: true, force: true });
      await rename(target, aside);
    }
    try {
      await rename(staging, target);
    } catch (err) {
      if (hadData) await rename(aside, target);
      await rm(staging, { recursive: true, force: true });
      throw new Error(`cannot move snapshot ${snapshot.id} into "${target}" (the old data is back in place): ${(err as Error).message}`);
    }
    if (hadData) await rm(aside, { recursive: true, force: true });
    return snapshot;
  }

  private serviceDir(service: string): string {
    if (!SAFE_SERVICE_NAME.test(service)) throw new Error(`service name "${service}" is not usable as a directory name`);
    return join(this.root, service);
  }
}

/** The snapshot path must be an existing directory that does not contain the snapshots themselves. */
async function checkSource(path: string, root: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`snapshot path "${path}" does not exist`);
    throw new Error(`cannot read snapshot path "${path}": ${(err as Error).message}`);
  }
  if (!info.isDirectory()) throw new Error(`snapshot path "${path}" is not a directory`);
  const inside = relative(resolve(path), resolve(root));
  if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside))) {
    throw new Error(`snapshot path "${path}" contains the agent's snapshot directory "${root}": it would copy itself`);
  }
}

async function sizeOf(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await sizeOf(path);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += (await lstat(path)).size;
      files += 1;
    }
  }
  return { bytes, files };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function idOf(now: number): string {
  return new Date(now).toISOString().replace(/:/g, "");
}

/** Two snapshots within one millisecond (a clock step back) get -2, -3, ...: names stay unique and ordered. */
async function freeId(serviceDir: string, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (!(await exists(join(serviceDir, id))) && !(await exists(join(serviceDir, `${TEMP_PREFIX}${id}`)))) return id;
  }
}

function timeOf(id: string): number {
  const m = ID_PATTERN.exec(id)!;
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
}
