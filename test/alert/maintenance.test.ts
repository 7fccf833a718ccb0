// Maintenance windows as a mute stage and a recovery pause on a manual clock, their config
// errors, and the announcer journalling each opening and closing (also across a restart).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.js";
import { MaintenanceAnnouncer, MaintenanceStage, maintenanceProblems } from "../../src/alert/maintenance.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger } from "../../src/util/logger.js";

const HOUR = 3_600_000;
const t = (iso: string) => Date.parse(iso);

function windows(list: Record<string, unknown>[]) {
  return configSchema.parse({ maintenance: list }).maintenance;
}

const nightlyDb = {
  name: "db-nightly",
  matchers: ['service="db"'],
  weekly: { days: ["sat"], from: "22:00", to: "02:00" },
  timezone: "Europe/Berlin",
};
const nodeUpgrade = {
  name: "node-a-upgrade",
  matchers: ['node="node-a"'],
  start: "2025-06-07T20:00:00Z",
  end: "2025-06-07T21:00:00Z",
  pauseRecovery: false,
};

describe("MaintenanceStage", () => {
  const stage = MaintenanceStage.fromConfig(windows([nightlyDb, nodeUpgrade]));
  const saturdayNight = t("2025-06-07T21:30:00Z"); // 23:30 CEST

  it("mutes what an open window matches and says until when", () => {
    assert.deepEqual(stage.muted({ alertname: "ServiceDown", service: "db", node: "node-b" }, saturdayNight), {
      kind: "maintenance",
      id: "db-nightly",
      detail: 'maintenance window "db-nightly" until 2025-06-08T02:00:00+02:00',
    });
    assert.equal(stage.muted({ alertname: "ServiceDown", service: "api" }, saturdayNight), null);
    assert.equal(stage.muted({ service: "db" }, t("2025-06-07T19:59:00Z")), null, "21:59 CEST: not yet");
    assert.equal(stage.muted({ node: "node-a" }, t("2025-06-07T20:30:00Z"))?.id, "node-a-upgrade");
  });

  it("pauses recovery only for windows with pauseRecovery (the default)", () => {
    assert.equal(stage.recoveryPaused({ service: "db", node: "node-b" }, saturdayNight), 'maintenance window "db-nightly" until 2025-06-08T02:00:00+02:00');
    assert.equal(stage.recoveryPaused({ service: "db", node: "node-b" }, t("2025-06-08T00:00:01Z")), null, "02:00:01 CEST: over");
    assert.equal(stage.recoveryPaused({ service: "web", node: "node-a" }, t("2025-06-07T20:30:00Z")), null, "node-a-upgrade has pauseRecovery: false");
  });

  it("reports each window's state and next change", () => {
    assert.deepEqual(stage.status(saturdayNight), [
      {
        name: "db-nightly",
        matchers: ['service="db"'],
        schedule: { kind: "weekly", days: ["sat"], from: "22:00", to: "02:00" },
        timezone: "Europe/Berlin",
        pauseRecovery: true,
        active: true,
        nextChange: t("2025-06-08T00:00:00Z"),
      },
      {
        name: "node-a-upgrade",
        matchers: ['node="node-a"'],
        schedule: { kind: "once", start: "2025-06-07T20:00:00Z", end: "2025-06-07T21:00:00Z" },
        timezone: "UTC",
        pauseRecovery: false,
        active: false,
        nextChange: null,
      },
    ]);
  });

  it("refuses bad windows, naming each problem's path", () => {
    const bad = windows([
      { ...nightlyDb, timezone: "Europe/Berln" },
      { ...nodeUpgrade, name: "db-nightly", matchers: ["service=~("] },
      { name: "c", matchers: ['service="x"'], cron: "soon", duration: "1h" },
    ]);
    assert.deepEqual(
      maintenanceProblems(bad).map((p) => p.replace(/:.*$/, "")),
      [
        'maintenance[0] ("db-nightly").timezone',
        'maintenance[1] ("db-nightly").name',
        'maintenance[1] ("db-nightly").matchers[0]',
        'maintenance[2] ("c").cron',
      ],
    );
    assert.throws(() => MaintenanceStage.fromConfig(bad), /maintenance\[0\] \("db-nightly"\)\.timezone: unknown time zone "Europe\/Berln"/);
  });
});

describe("MaintenanceAnnouncer", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-maintenance-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("journals started and ended when each window opens and closes, and stays consistent across a restart", async () => {
    const path = join(dir, "vigil.db");
    const clock = new ManualClock(t("2025-06-07T12:00:00Z"));
    const stage = MaintenanceStage.fromConfig(windows([nightlyDb]));
    let storage = openSqliteStorage(path);
    const changes: string[] = [];
    const onChange = (window: string, active: boolean) => changes.push(`${window} ${active ? "opened" : "closed"} ${new Date(clock.now()).toISOString()}`);
    let announcer = new MaintenanceAnnouncer({ stage, journal: new Journal(storage, clock), storage, clock, logger: silentLogger(), onChange });
    const journalled = async () =>
      (await storage.listEvents({ kinds: ["maintenance.started", "maintenance.ended"] })).map((e) => `${e.kind} ${new Date(e.ts).toISOString()}`);
    try {
      await announcer.start();
      assert.deepEqual(await journalled(), [], "closed at start: nothing to say");
      clock.set(t("2025-06-08T06:00:00Z"));
      await announcer.flush();
      assert.deepEqual(await journalled(), ["maintenance.started 2025-06-07T20:00:00.000Z", "maintenance.ended 2025-06-08T00:00:00.000Z"]);
      assert.deepEqual(changes, ["db-nightly opened 2025-06-07T20:00:00.000Z", "db-nightly closed 2025-06-08T00:00:00.000Z"], "the listener hears each change when it happens");
      const [started] = await storage.listEvents({ kinds: ["maintenance.started"] });
      assert.deepEqual(started!.data, { window: "db-nightly", matchers: ['service="db"'], until: t("2025-06-08T00:00:00Z"), pauseRecovery: true });

      // Stop inside the next window; restart inside it; stop again and restart after it closed.
      clock.set(t("2025-06-14T21:00:00Z"));
      await announcer.flush();
      announcer.stop();
      await storage.close();
      storage = openSqliteStorage(path);
      announcer = new MaintenanceAnnouncer({ stage, journal: new Journal(storage, clock), storage, clock, logger: silentLogger() });
      clock.advance(HOUR);
      await announcer.start();
      assert.equal((await journalled()).filter((e) => e.startsWith("maintenance.started")).length, 2, "no second start after the restart");
      announcer.stop();
      clock.set(t("2025-06-15T05:00:00Z"));
      announcer = new MaintenanceAnnouncer({ stage, journal: new Journal(storage, clock), storage, clock, logger: silentLogger() });
      await announcer.start();
      assert.deepEqual((await journalled()).slice(2), ["maintenance.started 2025-06-14T20:00:00.000Z", "maintenance.ended 2025-06-15T05:00:00.000Z"], "the end missed while stopped is journalled at the restart");
      announcer.stop();
      assert.equal(clock.pendingTimers(), 0, "stop cancels the timers");
    } finally {
      announcer.stop();
      await storage.close();
    }
  });
});
