// Maintenance schedules as pure functions of time: one-off, weekly (across midnight, and
// across daylight-saving changes in Europe/Berlin and America/New_York) and cron windows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configSchema, type MaintenanceConfig } from "../../src/config/schema.js";
import { compileSchedule, isActive, nextChange } from "../../src/alert/maintenance-schedule.js";

const HOUR = 3_600_000;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A window through the real config schema, so defaults are the ones users get. */
function windowOf(fields: Record<string, unknown>): { schedule: ReturnType<typeof compileSchedule> } {
  const config = configSchema.parse({ maintenance: [{ name: "w", matchers: ['service="db"'], ...fields }] }).maintenance[0] as MaintenanceConfig;
  return { schedule: compileSchedule(config) };
}

/** The open periods between `from` and `to`, found by following nextChange. */
function openPeriods(window: ReturnType<typeof windowOf>, from: number, to: number): string[] {
  const periods: string[] = [];
  let now = from;
  let openedAt = isActive(window, now) ? now : null;
  for (;;) {
    const change = nextChange(window, now);
    if (change === null || change > to) break;
    assert.ok(change > now, "nextChange moves forward");
    assert.notEqual(isActive(window, change), isActive(window, change - 1), `a real change at ${iso(change)}`);
    if (openedAt === null) openedAt = change;
    else {
      periods.push(`${iso(openedAt)} → ${iso(change)}`);
      openedAt = null;
    }
    now = change;
  }
  return periods;
}

describe("one-off windows", () => {
  it("are open from start (inclusive) to end (exclusive); a time without offset is in the window's zone", () => {
    const w = windowOf({ start: "2025-06-01T22:00", end: "2025-06-02T02:00:00Z", timezone: "Europe/Berlin" });
    const start = t("2025-06-01T20:00:00Z"); // 22:00 CEST
    assert.equal(isActive(w, start - 1), false);
    assert.equal(isActive(w, start), true);
    assert.equal(isActive(w, t("2025-06-02T01:59:59Z")), true);
    assert.equal(isActive(w, t("2025-06-02T02:00:00Z")), false);
    assert.equal(nextChange(w, start - HOUR), start);
    assert.equal(nextChange(w, start), t("2025-06-02T02:00:00Z"));
    assert.equal(nextChange(w, t("2025-06-03T00:00:00Z")), null, "over: never changes again");
  });

  it("refuse bad times naming the field", () => {
    assert.throws(() => windowOf({ start: "tomorrow", end: "2025-06-02T02:00:00Z" }), /^Error: start: expected an ISO-8601 time .*got "tomorrow"/);
    assert.throws(() => windowOf({ start: "2025-06-02T02:00:00Z", end: "2025-06-01T02:00:00Z" }), /^Error: end: .* is not after start/);
    assert.throws(() => windowOf({ start: "2025-06-01T00:00", end: "2025-06-02T00:00", timezone: "Europe/Berln" }), /timezone: unknown time zone "Europe\/Berln"/);
  });
});

describe("weekly windows", () => {
  it("open on the given days between from and to", () => {
    const w = windowOf({ weekly: { days: ["mon", "wed"], from: "09:00", to: "10:30" } });
    assert.deepEqual(openPeriods(w, t("2025-06-01T00:00:00Z"), t("2025-06-08T00:00:00Z")), [
      "2025-06-02T09:00:00.000Z → 2025-06-02T10:30:00.000Z",
      "2025-06-04T09:00:00.000Z → 2025-06-04T10:30:00.000Z",
    ]);
  });

  it("cross midnight when to is not after from: Saturday 22:00 to Sunday 02:00", () => {
    const w = windowOf({ weekly: { days: ["sat"], from: "22:00", to: "02:00" } });
    assert.equal(isActive(w, t("2025-06-07T21:59:59Z")), false);
    assert.equal(isActive(w, t("2025-06-07T22:00:00Z")), true);
    assert.equal(isActive(w, t("2025-06-08T01:59:59Z")), true, "Sunday morning belongs to Saturday's window");
    assert.equal(isActive(w, t("2025-06-08T02:00:00Z")), false);
    assert.equal(isActive(w, t("2025-06-08T23:00:00Z")), false, "Sunday is not a start day");
    assert.equal(isActive(w, t("2025-06-07T01:00:00Z")), false, "Friday was not a start day either");
    assert.equal(iso(nextChange(w, t("2025-06-07T12:00:00Z"))), "2025-06-07T22:00:00.000Z");
    assert.equal(iso(nextChange(w, t("2025-06-07T23:00:00Z"))), "2025-06-08T02:00:00.000Z");
    assert.equal(iso(nextChange(w, t("2025-06-08T02:00:00Z"))), "2025-06-14T22:00:00.000Z");
  });

  it("adjacent days merge into one open period; a window open all week never changes", () => {
    const w = windowOf({ weekly: { days: ["mon", "tue"], from: "00:00", to: "24:00" } });
    assert.equal(iso(nextChange(w, t("2025-06-02T10:00:00Z"))), "2025-06-04T00:00:00.000Z");
    const always = windowOf({ weekly: { days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from: "00:00", to: "24:00" } });
    assert.equal(isActive(always, t("2025-06-04T12:34:00Z")), true);
    assert.equal(nextChange(always, t("2025-06-04T12:34:00Z")), null);
  });

  it("refuse equal from and to, and bad zones, naming the field", () => {
    assert.throws(() => windowOf({ weekly: { days: ["mon"], from: "02:00", to: "02:00" } }), /weekly: from and to are both "02:00"/);
    assert.throws(() => windowOf({ weekly: { days: ["mon"], from: "02:00", to: "24:30" } }), /weekly.to: "24:30" is past the end of the day/);
    assert.throws(() => windowOf({ weekly: { days: ["mon"], from: "02:00", to: "03:00" }, timezone: "Mars/Olympus" }), /timezone: unknown time zone/);
  });
});

describe("weekly windows across daylight-saving changes", () => {
  const sunday0200to0400 = (timezone: string) => windowOf({ weekly: { days: ["sun"], from: "02:00", to: "04:00" }, timezone });

  it("Europe/Berlin, an ordinary Sunday: 02:00–04:00 CET is two hours", () => {
    assert.deepEqual(openPeriods(sunday0200to0400("Europe/Berlin"), t("2025-03-22T12:00:00Z"), t("2025-03-23T12:00:00Z")), [
      "2025-03-23T01:00:00.000Z → 2025-03-23T03:00:00.000Z",
    ]);
  });

  it("Europe/Berlin spring forward (2025-03-30, 02:00 → 03:00): 02:00–02:59 does not exist, the window is 03:00–04:00 CEST", () => {
    const w = sunday0200to0400("Europe/Berlin");
    assert.deepEqual(openPeriods(w, t("2025-03-29T12:00:00Z"), t("2025-03-30T12:00:00Z")), [
      "2025-03-30T01:00:00.000Z → 2025-03-30T02:00:00.000Z",
    ]);
    assert.equal(isActive(w, t("2025-03-30T01:00:00Z") - 1), false, "01:59:59.999 CET");
    // A window entirely inside the skipped hour does not open that day at all.
    const skipped = windowOf({ weekly: { days: ["sun"], from: "02:00", to: "02:30" }, timezone: "Europe/Berlin" });
    assert.equal(iso(nextChange(skipped, t("2025-03-29T12:00:00Z"))), "2025-04-06T00:00:00.000Z", "next Sunday, 02:00 CEST");
  });

  it("Europe/Berlin fall back (2025-10-26, 03:00 → 02:00): 02:00–02:59 happens twice, the window lasts three hours", () => {
    const w = sunday0200to0400("Europe/Berlin");
    assert.deepEqual(openPeriods(w, t("2025-10-25T12:00:00Z"), t("2025-10-26T12:00:00Z")), [
      "2025-10-26T00:00:00.000Z → 2025-10-26T03:00:00.000Z",
    ]);
    // 02:30–04:00 closes while the clock, set back, reads 02:00–02:29 a second time.
    const half = windowOf({ weekly: { days: ["sun"], from: "02:30", to: "04:00" }, timezone: "Europe/Berlin" });
    assert.deepEqual(openPeriods(half, t("2025-10-25T12:00:00Z"), t("2025-10-26T12:00:00Z")), [
      "2025-10-26T00:30:00.000Z → 2025-10-26T01:00:00.000Z",
      "2025-10-26T01:30:00.000Z → 2025-10-26T03:00:00.000Z",
    ]);
  });

  it("America/New_York spring forward (2025-03-09, 02:00 EST → 03:00 EDT)", () => {
    assert.deepEqual(openPeriods(sunday0200to0400("America/New_York"), t("2025-03-08T12:00:00Z"), t("2025-03-09T23:00:00Z")), [
      "2025-03-09T07:00:00.000Z → 2025-03-09T08:00:00.000Z",
    ]);
    // Saturday 22:00 to 02:00 ends when the clock jumps past 02:00: still 22:00–01:59:59 EST.
    const overnight = windowOf({ weekly: { days: ["sat"], from: "22:00", to: "02:00" }, timezone: "America/New_York" });
    assert.deepEqual(openPeriods(overnight, t("2025-03-08T12:00:00Z"), t("2025-03-09T23:00:00Z")), [
      "2025-03-09T03:00:00.000Z → 2025-03-09T07:00:00.000Z",
    ]);
  });

  it("America/New_York fall back (2025-11-02, 02:00 EDT → 01:00 EST): 01:00–03:00 lasts three hours", () => {
    const w = windowOf({ weekly: { days: ["sun"], from: "01:00", to: "03:00" }, timezone: "America/New_York" });
    assert.deepEqual(openPeriods(w, t("2025-11-01T12:00:00Z"), t("2025-11-02T23:00:00Z")), [
      "2025-11-02T05:00:00.000Z → 2025-11-02T08:00:00.000Z",
    ]);
    assert.equal(isActive(w, t("2025-11-02T06:00:00Z")), true, "01:00 EST, the second time round");
  });
});

describe("cron windows", () => {
  it("open for the duration from each start, in the window's time zone", () => {
    const w = windowOf({ cron: "0 2 * * 6", duration: "3h", timezone: "Europe/Berlin" });
    assert.deepEqual(openPeriods(w, t("2025-06-01T00:00:00Z"), t("2025-06-15T00:00:00Z")), [
      "2025-06-07T00:00:00.000Z → 2025-06-07T03:00:00.000Z",
      "2025-06-14T00:00:00.000Z → 2025-06-14T03:00:00.000Z",
    ]);
    assert.equal(isActive(w, t("2025-06-07T00:00:00Z")), true, "open at the start instant");
  });

  it("overlapping occurrences merge; endless overlap never changes", () => {
    const w = windowOf({ cron: "0 */6 * * *", duration: "7h" });
    assert.equal(isActive(w, t("2025-06-01T03:00:00Z")), true);
    assert.equal(nextChange(w, t("2025-06-01T03:00:00Z")), null);
    const twice = windowOf({ cron: "0 1,2 * * *", duration: "90m" });
    assert.deepEqual(openPeriods(twice, t("2025-06-01T00:00:00Z"), t("2025-06-01T12:00:00Z")), [
      "2025-06-01T01:00:00.000Z → 2025-06-01T03:30:00.000Z",
    ]);
  });

  it("a start in Berlin's skipped hour happens an hour later; in the repeated hour, once", () => {
    const w = windowOf({ cron: "30 2 * * *", duration: "20m", timezone: "Europe/Berlin" });
    assert.deepEqual(openPeriods(w, t("2025-03-30T00:00:00Z"), t("2025-03-30T12:00:00Z")), [
      "2025-03-30T01:30:00.000Z → 2025-03-30T01:50:00.000Z", // 03:30 CEST
    ]);
    assert.deepEqual(openPeriods(w, t("2025-10-25T23:00:00Z"), t("2025-10-26T12:00:00Z")), [
      "2025-10-26T00:30:00.000Z → 2025-10-26T00:50:00.000Z", // 02:30 CEST, the first 02:30
    ]);
    assert.equal(isActive(w, t("2025-10-26T01:35:00Z")), false, "not again at the second 02:30 (CET)");
    assert.equal(isActive(w, t("2025-03-30T01:40:00Z")), true, "asked after the clock change, the shifted start still counts");
  });

  it("refuses a bad expression naming the field", () => {
    assert.throws(() => windowOf({ cron: "every night", duration: "1h" }), /^Error: cron: "every night" is not a cron expression/);
    assert.throws(() => windowOf({ cron: "61 2 * * *", duration: "1h" }), /^Error: cron: /);
  });
});
