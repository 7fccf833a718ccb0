// Fencing of deposed leaders (issue 11): every action a leading server replica sends
// carries its term, a number that grows with each new leader. The agent remembers the
// highest term it has seen, on disk (<agent data>/leader-term, written atomically), and
// refuses actions of a lower term: a leader that was paused or cut off past its lease, and
// has since been replaced, cannot act when it wakes up. Actions without a term (a single
// server, no leadership) are admitted and change nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomically } from "../util/atomic-file.js";

export const LEADER_TERM_FILE = "leader-term";

export type TermVerdict = { admitted: true } | { admitted: false; error: string };

export class LeaderTermFence {
  private highest: number;

  constructor(private readonly dataDir: string) {
    this.highest = readTerm(dataDir);
  }

  /** The highest term seen so far (0 before any). */
  get highestTerm(): number {
    return this.highest;
  }

  /** Admits an action of `term` (recording a new highest term first), or refuses it as stale. */
  admit(term: number | undefined): TermVerdict {
    if (term === undefined || term === this.highest) return { admitted: true };
    if (term < this.highest) {
      return { admitted: false, error: `refused: stale leader term ${term}; this agent has seen term ${this.highest} (a newer leader)` };
    }
    // Stored before acting: after a crash the agent must still refuse the old leader.
    writeTerm(this.dataDir, term);
    this.highest = term;
    return { admitted: true };
  }
}

function readTerm(dataDir: string): number {
  const path = join(dataDir, LEADER_TERM_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new Error(`cannot read the leader term ${path}: ${(err as Error).message}`);
  }
  const term = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(term)) throw new Error(`${path}: expected a whole number (the highest leader term seen), got ${JSON.stringify(text.slice(0, 40))}`);
  return term;
}

function writeTerm(dataDir: string, term: number): void {
  writeFileAtomically(join(dataDir, LEADER_TERM_FILE), `${term}\n`);
}
