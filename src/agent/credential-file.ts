// The agent's credential on disk: <agent data>/credential, mode 0600, written atomically
// (temporary file, fsync, rename) so that a crash leaves either the old or the new one.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomically } from "../util/atomic-file.js";

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
  writeFileAtomically(join(dataDir, CREDENTIAL_FILE), `${credential}\n`);
}
