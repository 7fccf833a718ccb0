// When a maintenance window is open, as pure functions of time: one-off (start/end), weekly
// (days and wall-clock hours in a time zone) and cron (start times in a time zone, each
// lasting a duration). `isActive` and `nextChange` are all the rest of Vigil asks.
import { CronExpressionParser } from "cron-parser";
import { DateTime, IANAZone } from "luxon";
import type { MaintenanceConfig } from "../config/schema.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
/**
 * A cron window whose occurrences overlap this many times in a row is treated as never
 * ending (cron-parser takes about 0.4 ms per occurrence, so this bounds the search to ~0.1 s).
 */
const MAX_MERGED_OCCURRENCES = 200;
/** More than a day's worth of starts of a cron firing every minute, with margin. */
const MAX_OCCURRENCES_PER_DAY = 2000;

/**
 * A schedule decides, for any instant, whether its window is open. Every kind's open
 * periods are half-open intervals [start, end): open at the start, closed at the end.
 */
export interface Schedule {
  readonly kind: "once" | "weekly" | "cron";
  activeAt(ts: number): boolean;
  /** The first instant after `ts` at which activeAt differs from activeAt(ts); null: never. */
  nextChangeAfter(ts: number): number | null;
}

/** Whether the window is open at `now`. */
export function isActive(window: { schedule: Schedule }, now: number): boolean {
  return window.schedule.activeAt(now);
}

/** When the window next opens (if closed at `now`) or closes (if open); null when it never will. */
export function nextChange(window: { schedule: Schedule }, now: number): number | null {
  return window.schedule.nextChangeAfter(now);
}

/**
 * Builds the schedule of one configured window. Throws an Error whose message starts with
 * the offending field ("timezone: ...", "weekly.from: ...", "cron: ..."); the schema has
 * already checked the shapes, this checks what only a time library can.
 */
export function compileSchedule(config: MaintenanceConfig): Schedule {
  if (!IANAZone.isValidZone(config.timezone)) {
    throw new Error(`timezone: unknown time zone "${config.timezone}" (expected an IANA name such as "Europe/Berlin" or "UTC")`);
  }
  if (config.weekly) return weeklySchedule(config.weekly, config.timezone);
  if (config.cron !== undefined && config.duration !== undefined) {
    return cronSchedule(config.cron, config.duration, config.timezone, config.name);
  }
  if (config.start !== undefined && config.end !== undefined) return onceSchedule(config.start, config.end, config.timezone);
  throw new Error("expected exactly one schedule: start/end, weekly, or cron with duration");
}

// ---- one-off ----

function onceSchedule(startText: string, endText: string, timezone: string): Schedule {
  const start = parseTime(startText, timezone, "start");
  const end = parseTime(endText, timezone, "end");
  if (end <= start) throw new Error(`end: "${endText}" is not after start "${startText}"`);
  return {
    kind: "once",
    activeAt: (ts) => start <= ts && ts < end,
    nextChangeAfter: (ts) => (ts < start ? start : ts < end ? end : null),
  };
}

/** ISO-8601; a time without an offset is read in the window's time zone. */
function parseTime(text: string, timezone: string, field: string): number {
  const parsed = DateTime.fromISO(text, { zone: timezone });
  if (!parsed.isValid) {
    throw new Error(`${field}: expected an ISO-8601 time such as "2025-06-01T22:00" or "2025-06-01T22:00:00Z", got "${text}"`);
  }
  return parsed.toMillis();
}

// ---- weekly ----

/**
 * Open while the wall clock in `timezone` reads a time in [from, to) on one of `days`; when
 * `to` is not after `from` the window crosses midnight and closes at `to` on the next day
 * (a "sat 22:00 to 02:00" window is open Saturday 22:00 to Sunday 02:00). "24:00" is the
 * end of the day.
 *
 * Defining the window by what the wall clock reads (as Alertmanager's time intervals do)
 * fixes what happens when clocks change. Spring forward (Europe/Berlin, last Sunday of
 * March, 02:00 → 03:00): the local times 02:00–02:59 do not exist, so a 02:00–04:00 window
 * opens at 03:00 and lasts one hour, and a 02:00–02:30 window does not open that day. Fall
 * back (last Sunday of October, 03:00 → 02:00): the local times 02:00–02:59 happen twice,
 * so a 02:00–04:00 window lasts three hours, and a 02:30–04:00 window closes for the half
 * hour that the clock, set back, reads 02:00–02:29 again.
 */
function weeklySchedule(weekly: NonNullable<MaintenanceConfig["weekly"]>, timezone: string): Schedule {
  const zone = IANAZone.create(timezone);
  const days = new Set(weekly.days.map((d) => WEEKDAYS.indexOf(d) + 1));
  const from = minuteOfDay(weekly.from, "weekly.from");
  const to = minuteOfDay(weekly.to, "weekly.to");
  if (from === to) {
    throw new Error(`weekly: from and to are both "${weekly.from}"; for a whole day write from "00:00" to "24:00"`);
  }

  const activeAt = (ts: number): boolean => {
    const { weekday, minute } = wallClock(zone, ts);
    if (from < to) return days.has(weekday) && from <= minute && minute < to;
    const previousDay = weekday === 1 ? 7 : weekday - 1;
    return (days.has(weekday) && minute >= from) || (days.has(previousDay) && minute < to);
  };

  /**
   * activeAt can only change where the wall clock reaches `from`, `to` or midnight, or
   * where it jumps (an offset change). Those instants over the next week and a bit are the
   * only candidates; the first one where activeAt differs from now is the change. A weekly
   * window that is open at some time and closed at another changes within 7 days.
   */
  const nextChangeAfter = (ts: number): number | null => {
    const firstLocalDay = Math.floor((ts + zone.offset(ts) * MINUTE) / DAY) - 1;
    const candidates: number[] = offsetChanges(zone, ts, ts + 10 * DAY);
    for (let day = firstLocalDay; day <= firstLocalDay + 10; day++) {
      for (const minute of [0, from, to % 1440]) candidates.push(...instantsOfWallTime(zone, day * DAY + minute * MINUTE));
    }
    const now = activeAt(ts);
    for (const candidate of candidates.filter((c) => c > ts).sort((a, b) => a - b)) {
      if (activeAt(candidate) !== now) return candidate;
    }
    return null;
  };

  return { kind: "weekly", activeAt, nextChangeAfter };
}

/** "02:30" → 150; "24:00" → 1440 (the end of the day, for `to` only). */
function minuteOfDay(text: string, field: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`${field}: expected a time such as "02:00", got "${text}"`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 1440) throw new Error(`${field}: "${text}" is past the end of the day; the latest is "24:00"`);
  return minutes;
}

/** Weekday (1 = Monday ... 7 = Sunday) and minutes since local midnight (with fractions). */
function wallClock(zone: IANAZone, ts: number): { weekday: number; minute: number } {
  const local = ts + zone.offset(ts) * MINUTE;
  const weekday = ((new Date(local).getUTCDay() + 6) % 7) + 1;
  const minute = (((local % DAY) + DAY) % DAY) / MINUTE;
  return { weekday, minute };
}

/**
 * The instants at which the wall clock reads `localMs` (a wall time written as if it were
 * UTC): none when that time falls in a spring-forward gap, two when the clock passes it twice
 * after falling back, else one. Each offset in force near that day is tried; an instant
 * counts when the zone really has that offset then.
 */
function instantsOfWallTime(zone: IANAZone, localMs: number): number[] {
  const offsets = new Set([zone.offset(localMs - DAY), zone.offset(localMs), zone.offset(localMs + DAY)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const ts = localMs - offset * MINUTE;
    if (zone.offset(ts) === offset) instants.push(ts);
  }
  return instants;
}

/**
 * Instants in (from, to] where the zone's offset changes, exact to the millisecond: sampled
 * every 3 hours (zones do not change offset twice that quickly), then bisected.
 */
function offsetChanges(zone: IANAZone, from: number, to: number): number[] {
  const STEP = 3 * 3_600_000;
  const changes: number[] = [];
  let previous = from;
  let previousOffset = zone.offset(from);
  while (previous < to) {
    const next = Math.min(previous + STEP, to);
    const offset = zone.offset(next);
    if (offset !== previousOffset) {
      let lo = previous;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zone.offset(mid) === previousOffset) lo = mid;
        else hi = mid;
      }
      changes.push(hi);
    }
    previous = next;
    previousOffset = offset;
  }
  return changes;
}

// ---- cron ----

/**
 * Open for `durationMs` of real time from each start the cron expression gives in
 * `timezone`; overlapping or touching occurrences merge into one open period. Clock changes
 * are cron-parser's: a start in the skipped hour of a spring-forward day happens one hour
 * later (02:30 → 03:30), a start in the repeated hour of a fall-back day happens once.
 * `H` fields are hashed with the window's name, so a window keeps its times across restarts.
 */
function cronSchedule(expression: string, durationMs: number, timezone: string, name: string): Schedule {
  const parse = (currentDate: number) =>
    CronExpressionParser.parse(expression, { currentDate: new Date(currentDate), tz: timezone, hashSeed: name });
  try {
    parse(0).next();
  } catch (err) {
    throw new Error(`cron: "${expression}" is not a cron expression such as "0 2 * * sun": ${(err as Error).message}`);
  }
  if (!(durationMs > 0)) throw new Error("duration: expected more than 0");

  const zone = IANAZone.create(timezone);

  /**
   * The first start after `after`. The occurrences are those cron-parser's next() yields
   * when iterating from before the local day began: asked from a point after a clock change,
   * next() would answer differently (it drops the shifted spring-forward start and adds the
   * repeated fall-back one), so across a change the answer is found by iterating from
   * 22:00 local the day before, which only happens on the two days a year that have one.
   */
  const firstStartAfter = (after: number): number | null => {
    const sinceLocalMidnight = (((after + zone.offset(after) * MINUTE) % DAY) + DAY) % DAY;
    const anchor = after - sinceLocalMidnight - 2 * 3_600_000;
    if (zone.offset(anchor) === zone.offset(after)) return attempt(() => parse(after).next().getTime());
    const occurrences = parse(anchor);
    for (let i = 0; i < MAX_OCCURRENCES_PER_DAY; i++) {
      const next = attempt(() => occurrences.next().getTime());
      if (next === null || next > after) return next;
    }
    return attempt(() => parse(after).next().getTime());
  };

  /** Open at ts exactly when some start lies in (ts - duration, ts]. */
  const activeAt = (ts: number): boolean => {
    const start = firstStartAfter(ts - durationMs);
    return start !== null && start <= ts;
  };

  const nextChangeAfter = (ts: number): number | null => {
    const start = firstStartAfter(ts - durationMs);
    if (start === null) return null;
    if (start > ts) return start;
    // Open: the change is the end of this run of overlapping occurrences.
    let end = start + durationMs;
    const following = parse(start);
    for (let i = 0; i < MAX_MERGED_OCCURRENCES; i++) {
      const next = attempt(() => following.next().getTime());
      if (next === null || next > end) return end;
      end = Math.max(end, next + durationMs);
    }
    return null;
  };

  return { kind: "cron", activeAt, nextChangeAfter };
}

/** cron-parser throws when an expression has no further (or earlier) date: that is "none". */
function attempt(fn: () => number): number | null {
  try {
    return fn();
  } catch {
    return null;
  }
}
