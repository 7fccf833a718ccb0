// Maintenance windows from the config: while one is open it mutes the notifications of the
// alerts it matches and (with pauseRecovery) tells the orchestrator to leave what it matches
// alone. The announcer journals each window's opening and closing at the moment it happens.
import { DateTime } from "luxon";
import type { MaintenanceConfig } from "../config/schema.js";
import type { Journal } from "../storage/journal.js";
import type { Storage } from "../storage/storage.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { compileMatcher, formatMatcher, matchesAll, parseMatcher, type CompiledMatcher } from "./matchers.js";
import { compileSchedule, isActive, nextChange, type Schedule } from "./maintenance-schedule.js";
import type { MuteReason, MuteStage } from "./mute.js";

export interface MaintenanceWindow {
  name: string;
  matchers: CompiledMatcher[];
  schedule: Schedule;
  timezone: string;
  pauseRecovery: boolean;
  /** The window as configured, for display. */
  config: MaintenanceConfig;
}

/** A window as the API shows it. */
export interface MaintenanceStatus {
  name: string;
  matchers: string[];
  schedule:
    | { kind: "once"; start: string; end: string }
    | { kind: "weekly"; days: string[]; from: string; to: string }
    | { kind: "cron"; cron: string; durationMs: number };
  timezone: string;
  pauseRecovery: boolean;
  active: boolean;
  /** When it next opens (closed now) or closes (open now); null: never. */
  nextChange: number | null;
}

/**
 * Compiles the configured windows; throws an Error naming the window's path and field
 * (`maintenance[1] ("nightly").timezone: unknown time zone "Europe/Berln" ...`).
 */
export function compileMaintenanceWindows(configs: readonly MaintenanceConfig[]): MaintenanceWindow[] {
  const problems = maintenanceProblems(configs);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return configs.map((config) => ({
    name: config.name,
    matchers: config.matchers.map((text) => compileMatcher(parseMatcher(text))),
    schedule: compileSchedule(config),
    timezone: config.timezone,
    pauseRecovery: config.pauseRecovery,
    config,
  }));
}

/** Every problem of the configured windows, one line each with its path (for `vigil validate`). */
export function maintenanceProblems(configs: readonly MaintenanceConfig[]): string[] {
  const problems: string[] = [];
  const firstIndexOf = new Map<string, number>();
  configs.forEach((config, i) => {
    const path = `maintenance[${i}] ("${config.name}")`;
    const earlier = firstIndexOf.get(config.name);
    if (earlier !== undefined) problems.push(`${path}.name: "${config.name}" is already the name of maintenance[${earlier}]`);
    else firstIndexOf.set(config.name, i);
    config.matchers.forEach((text, j) => {
      try {
        parseMatcher(text);
      } catch (err) {
        problems.push(`${path}.matchers[${j}]: ${(err as Error).message}`);
      }
    });
    try {
      compileSchedule(config);
    } catch (err) {
      problems.push(`${path}.${(err as Error).message}`);
    }
  });
  return problems;
}

/** A window's state, valid for `now` in [from, until): nothing changes before `until`. */
interface CachedState {
  from: number;
  until: number | null;
  active: boolean;
}

export class MaintenanceStage implements MuteStage {
  readonly kind = "maintenance" as const;
  readonly windows: readonly MaintenanceWindow[];
  private readonly cache = new Map<string, CachedState>();

  /** Compiles the config's windows (throwing an Error naming each bad field). */
  static fromConfig(configs: readonly MaintenanceConfig[]): MaintenanceStage {
    return new MaintenanceStage(compileMaintenanceWindows(configs));
  }

  constructor(windows: readonly MaintenanceWindow[]) {
    this.windows = windows;
  }

  /** The first open window whose matchers all match these labels. */
  muted(labels: Record<string, string>, now: number): MuteReason | null {
    return this.reasons(labels, now)[0] ?? null;
  }

  /** Every open window whose matchers all match these labels, in config order. */
  reasons(labels: Record<string, string>, now: number): MuteReason[] {
    const reasons: MuteReason[] = [];
    for (const window of this.windows) {
      if (!matchesAll(window.matchers, labels)) continue;
      const state = this.stateAt(window, now);
      if (state.active) reasons.push({ kind: "maintenance", id: window.name, detail: describeOpen(window, state.until) });
    }
    return reasons;
  }

  /**
   * Why automatic recovery must wait for these labels (the incident's {service, node}),
   * or null. Only windows with pauseRecovery count; a window matching `node="node-a"` pauses
   * the recovery of every service on node-a.
   */
  recoveryPaused(labels: Record<string, string>, now: number): string | null {
    for (const window of this.windows) {
      if (!window.pauseRecovery || !matchesAll(window.matchers, labels)) continue;
      const state = this.stateAt(window, now);
      if (state.active) return describeOpen(window, state.until);
    }
    return null;
  }

  status(now: number): MaintenanceStatus[] {
    return this.windows.map((window) => {
      const state = this.stateAt(window, now);
      return {
        name: window.name,
        matchers: window.matchers.map(formatMatcher),
        schedule: describeSchedule(window.config),
        timezone: window.timezone,
        pauseRecovery: window.pauseRecovery,
        active: state.active,
        nextChange: state.until,
      };
    });
  }

  /** isActive and nextChange, computed once per open or closed period rather than per alert. */
  private stateAt(window: MaintenanceWindow, now: number): CachedState {
    const cached = this.cache.get(window.name);
    if (cached && cached.from <= now && (cached.until === null || now < cached.until)) return cached;
    const state = { from: now, until: nextChange(window, now), active: isActive(window, now) };
    this.cache.set(window.name, state);
    return state;
  }
}

function describeOpen(window: MaintenanceWindow, until: number | null): string {
  if (until === null) return `maintenance window "${window.name}" (open, no end)`;
  const end = DateTime.fromMillis(until, { zone: window.timezone }).toISO({ suppressMilliseconds: true });
  return `maintenance window "${window.name}" until ${end}`;
}

function describeSchedule(config: MaintenanceConfig): MaintenanceStatus["schedule"] {
  if (config.weekly) return { kind: "weekly", days: config.weekly.days, from: config.weekly.from, to: config.weekly.to };
  if (config.cron !== undefined) return { kind: "cron", cron: config.cron, durationMs: config.duration ?? 0 };
  return { kind: "once", start: config.start ?? "", end: config.end ?? "" };
}

export interface MaintenanceAnnouncerOptions {
  stage: MaintenanceStage;
  journal: Journal;
  /** To read what was last journalled for each window (across restarts). */
  storage: Storage;
  clock: Clock;
  logger: Logger;
  /** Told of every opening and closing as it happens (recovery's pauseChanged(), so paused runs look again). */
  onChange?: (window: string, active: boolean) => void;
}

/** Timers never wait longer than this: a long wait is re-planned rather than trusted (Node caps timers at ~24.8 days). */
const MAX_TIMER_MS = 6 * 3_600_000;

/**
 * Journals `maintenance.started` / `maintenance.ended` when a window opens and closes,
 * with a timer per window set for its next change. Level-triggered: on start it compares
 * each window's state with the last event journalled for it, so a window that opened or
 * closed while Vigil was stopped is journalled once, and a restart inside an open window
 * does not journal a second start.
 */
export class MaintenanceAnnouncer {
  private readonly timers = new Map<string, TimerHandle>();
  /** Whether each window was last journalled as open. */
  private readonly announced = new Map<string, boolean>();
  /** Journal writes in order, one after the other. */
  private writes: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: MaintenanceAnnouncerOptions) {}

  async start(): Promise<void> {
    const events = await this.o.storage.listEvents({
      kinds: ["maintenance.started", "maintenance.ended"],
      order: "desc",
      limit: 10_000,
    });
    for (const event of events) {
      const name = event.data.window;
      if (typeof name === "string" && !this.announced.has(name)) this.announced.set(name, event.kind === "maintenance.started");
    }
    for (const window of this.o.stage.windows) this.check(window);
    await this.writes;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** Resolves when every journal write so far is done (for tests and shutdown). */
  flush(): Promise<void> {
    return this.writes;
  }

  private check(window: MaintenanceWindow): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const active = isActive(window, now);
    const next = nextChange(window, now);
    if (active !== (this.announced.get(window.name) ?? false)) {
      this.announced.set(window.name, active);
      const data = active
        ? { window: window.name, matchers: window.matchers.map(formatMatcher), until: next, pauseRecovery: window.pauseRecovery }
        : { window: window.name, nextStart: next };
      this.writes = this.writes
        .then(() => this.o.journal.record(active ? "maintenance.started" : "maintenance.ended", { ts: now, data }))
        .then(
          () => undefined,
          (err: unknown) => this.o.logger.error({ err, window: window.name }, "cannot journal a maintenance window change"),
        );
      try {
        this.o.onChange?.(window.name, active);
      } catch (err) {
        this.o.logger.error({ err, window: window.name }, "maintenance window listener failed");
      }
    }
    this.timers.get(window.name)?.cancel();
    this.timers.delete(window.name);
    if (next === null) return;
    const delay = Math.min(Math.max(1, next - now), MAX_TIMER_MS);
    this.timers.set(window.name, this.o.clock.setTimeout(() => this.check(window), delay));
  }
}
