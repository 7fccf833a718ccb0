// The agent's credential on disk: <agent data>/credential, mode 0600, written atomically
// (temporary file, fsync, rename) so that a crash leaves either the old or the new one.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

export const CREDENTIAL_FILE = "credential";

export function readCredential(dataDir: string): string | null {
  try {
    const text = readFileSync(join(dataDir, CREDENTIAL_FILE), "utf8").trim();
    return text === "" ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`cannot read the agent credential ${join(dataDir, CREDENTIAL_FILE)}: ${(err as Error).message}`);
  }
}

export function writeCredential(dataDir: string, credential: string): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, CREDENTIAL_FILE);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, `${credential}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
