// A fake procfs tree in a temp dir for collector tests: write files into it between two
// collect() calls to control exactly which counters the collector sees.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Sample } from "../../../src/protocol/messages.js";

export interface ProcFixture {
  root: string;
  write(relativePath: string, text: string): Promise<void>;
  mkdir(relativePath: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createProcFixture(): Promise<ProcFixture> {
  const root = await mkdtemp(join(tmpdir(), "vigil-proc-"));
  return {
    root,
    async write(relativePath, text) {
      const path = join(root, relativePath);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    },
    async mkdir(relativePath) {
      await mkdir(join(root, relativePath), { recursive: true });
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** The value of the one sample with this name and these labels (node excluded); throws if absent. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const matches = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${matches.length} among ${samples.map((s) => s.name).join(", ")}`);
  }
  return matches[0]!.value;
}
