// Silences: label matchers, a time range, an author and a comment; while active they mute
// the notifications of every alert they match. Kept in memory for matching, stored so that
// they survive a restart, and journalled when created or expired.
import type { Journal } from "../storage/journal.js";
import type { NewSilence, SilenceRecord, Storage } from "../storage/storage.js";
import type { Clock } from "../util/clock.js";
import { compileMatcher, formatMatcher, matchesAll, parseMatcher, type CompiledMatcher, type Matcher } from "./matchers.js";
import type { MuteReason, MuteStage } from "./mute.js";

export type Silence = SilenceRecord;
export type SilenceState = "pending" | "active" | "expired";

export interface SilenceInput {
  /** Parsed matchers, or their text (`service="api"`). */
  matchers: readonly (Matcher | string)[];
  /** Default: now. */
  startsAt?: number;
  endsAt: number;
  createdBy: string;
  comment?: string;
}

/** Why a silence request or an expiry was refused; `field` names the bad input. */
export class SilenceError extends Error {
  constructor(
    message: string,
    readonly reason: "invalid" | "not-found",
    readonly field?: string,
  ) {
    super(message);
    this.name = "SilenceError";
  }
}

/** When the silence stops muting: its end, or earlier when it was expired on request. */
export function silenceEnd(silence: Silence): number {
  return silence.expiredAt === undefined ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt);
}

/** pending before startsAt, active in [startsAt, end), expired from its end on. */
export function silenceState(silence: Silence, now: number): SilenceState {
  if (now >= silenceEnd(silence)) return "expired";
  return now < silence.startsAt ? "pending" : "active";
}

/**
 * Checks a request and returns the silence to store, or throws a SilenceError naming the
 * bad field. Like Alertmanager, a silence must have a matcher that selects something: an
 * `=` or `=~` matcher that does not match the empty string (a missing label), otherwise it
 * would mute every alert that merely lacks a label — in the worst case all of them.
 */
export function validateSilence(input: SilenceInput, now: number): NewSilence {
  if (!Array.isArray(input.matchers) || input.matchers.length === 0) {
    throw new SilenceError("matchers: expected at least one matcher such as service=\"api\"", "invalid", "matchers");
  }
  const matchers = input.matchers.map((m, i) => {
    try {
      const parsed = typeof m === "string" ? parseMatcher(m) : m;
      compileMatcher(parsed);
      return { name: parsed.name, op: parsed.op, value: parsed.value };
    } catch (err) {
      throw new SilenceError(`matchers[${i}]: ${(err as Error).message}`, "invalid", `matchers[${i}]`);
    }
  });
  const selective = matchers.some((m) => (m.op === "=" || m.op === "=~") && !compileMatcher(m).test({}));
  if (!selective) {
    throw new SilenceError(
      `matchers: ${matchers.map(formatMatcher).join(", ")} would match every alert; ` +
        'give at least one = or =~ matcher that does not match the empty string, such as service="api"',
      "invalid",
      "matchers",
    );
  }
  const startsAt = input.startsAt ?? now;
  if (!Number.isFinite(startsAt)) throw new SilenceError("startsAt: expected a time", "invalid", "startsAt");
  if (!Number.isFinite(input.endsAt)) throw new SilenceError("endsAt: expected a time", "invalid", "endsAt");
  if (input.endsAt <= now) {
    throw new SilenceError(`endsAt (${new Date(input.endsAt).toISOString()}) is in the past`, "invalid", "endsAt");
  }
  if (input.endsAt <= startsAt) {
    throw new SilenceError(
      `endsAt (${new Date(input.endsAt).toISOString()}) must be after startsAt (${new Date(startsAt).toISOString()})`,
      "invalid",
      "endsAt",
    );
  }
  const createdBy = typeof input.createdBy === "string" ? input.createdBy.trim() : "";
  if (createdBy === "") throw new SilenceError("createdBy: expected the author's name", "invalid", "createdBy");
  return { matchers, startsAt, endsAt: input.endsAt, createdBy, comment: input.comment ?? "", createdAt: now };
}

export interface SilenceStageOptions {
  storage: Storage;
  journal: Journal;
  clock: Clock;
}

interface LoadedSilence {
  silence: Silence;
  matchers: CompiledMatcher[];
}

export class SilenceStage implements MuteStage {
  readonly kind = "silence" as const;
  private readonly storage: Storage;
  private readonly journal: Journal;
  private readonly clock: Clock;
  /** Every silence by id, in id order (Map keeps insertion order, and ids only grow). */
  private readonly silences = new Map<number, LoadedSilence>();

  constructor(options: SilenceStageOptions) {
    this.storage = options.storage;
    this.journal = options.journal;
    this.clock = options.clock;
  }

  /** Reads the stored silences; call once before use. */
  async load(): Promise<void> {
    for (const silence of await this.storage.listSilences()) this.remember(silence);
  }

  /** The oldest silence active at `now` whose matchers all match, as a reason; else null. */
  muted(labels: Record<string, string>, now: number): MuteReason | null {
    return this.reasons(labels, now)[0] ?? null;
  }

  /** Every silence active at `now` whose matchers all match, oldest first. */
  reasons(labels: Record<string, string>, now: number): MuteReason[] {
    const reasons: MuteReason[] = [];
    for (const { silence, matchers } of this.silences.values()) {
      if (silenceState(silence, now) !== "active" || !matchesAll(matchers, labels)) continue;
      const why = silence.comment ? `${silence.createdBy}: ${silence.comment}` : silence.createdBy;
      reasons.push({ kind: "silence", id: String(silence.id), detail: `silenced by ${silence.id} (${why})` });
    }
    return reasons;
  }

  /** Validates, stores and journals a new silence (throws SilenceError for bad input). */
  async add(input: SilenceInput): Promise<Silence> {
    const silence = await this.storage.createSilence(validateSilence(input, this.clock.now()));
    this.remember(silence);
    await this.journal.record("silence.created", {
      data: {
        id: silence.id,
        matchers: silence.matchers.map(formatMatcher),
        startsAt: silence.startsAt,
        endsAt: silence.endsAt,
        createdBy: silence.createdBy,
        comment: silence.comment,
      },
    });
    return silence;
  }

  /**
   * Ends a silence now (a pending one never starts). Expiring an expired silence changes
   * nothing and is not an error, so a retried request is harmless: `alreadyExpired` says so.
   */
  async expire(id: number): Promise<{ silence: Silence; alreadyExpired: boolean }> {
    const loaded = this.silences.get(id);
    if (!loaded) throw new SilenceError(`no silence with id ${id}`, "not-found", "id");
    const now = this.clock.now();
    if (silenceState(loaded.silence, now) === "expired") return { silence: loaded.silence, alreadyExpired: true };
    const expired: Silence = { ...loaded.silence, expiredAt: now };
    await this.storage.updateSilence(expired);
    loaded.silence = expired;
    await this.journal.record("silence.expired", {
      data: { id, matchers: expired.matchers.map(formatMatcher), createdBy: expired.createdBy, endsAt: expired.endsAt },
    });
    return { silence: expired, alreadyExpired: false };
  }

  get(id: number): Silence | undefined {
    return this.silences.get(id)?.silence;
  }

  /** Silences in id order with their state at now; `state` keeps only those in that state (or those states). */
  list(query: { state?: SilenceState | readonly SilenceState[] } = {}): Array<Silence & { state: SilenceState }> {
    const now = this.clock.now();
    const wanted = query.state === undefined ? null : typeof query.state === "string" ? [query.state] : query.state;
    const out: Array<Silence & { state: SilenceState }> = [];
    for (const { silence } of this.silences.values()) {
      const state = silenceState(silence, now);
      if (!wanted || wanted.includes(state)) out.push({ ...silence, state });
    }
    return out;
  }

  private remember(silence: Silence): void {
    this.silences.set(silence.id, { silence, matchers: silence.matchers.map(compileMatcher) });
  }
}
