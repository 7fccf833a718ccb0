// Silences on a manual clock over a real SQLite file: which alerts they mute and when,
// refusal of silences that would match everything or have bad times, expiry, the journal,
// and that silences survive a reopen of the database.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SilenceError, SilenceStage, silenceState, validateSilence } from "../../src/alert/silences.js";
import { Journal } from "../../src/storage/journal.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";

const HOUR = 3_600_000;
let dir: string;
let count = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-silences-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function withStage(body: (stage: SilenceStage, clock: ManualClock, storage: Storage, path: string) => Promise<void>) {
  const path = join(dir, `s${++count}.db`);
  const storage = openSqliteStorage(path);
  const clock = new ManualClock();
  const stage = new SilenceStage({ storage, journal: new Journal(storage, clock), clock });
  await stage.load();
  try {
    await body(stage, clock, storage, path);
  } finally {
    await storage.close();
  }
}

describe("silence matching and states", () => {
  it("mutes matching alerts only while active, and says by whom and why", () =>
    withStage(async (stage, clock) => {
      const start = clock.now() + HOUR;
      const s = await stage.add({ matchers: ['service="api"', 'severity=~"warning|info"'], startsAt: start, endsAt: start + 2 * HOUR, createdBy: "alice", comment: "deploy" });
      const api = { alertname: "ServiceDown", service: "api", severity: "warning" };
      assert.equal(stage.muted(api, clock.now()), null, "pending: not yet muting");
      assert.deepEqual(stage.list().map((x) => x.state), ["pending"]);

      clock.set(start);
      assert.deepEqual(stage.muted(api, clock.now()), { kind: "silence", id: String(s.id), detail: `silenced by ${s.id} (alice: deploy)` });
      assert.equal(stage.muted({ ...api, severity: "critical" }, clock.now()), null, "every matcher must match");
      assert.equal(stage.muted({ ...api, service: "db" }, clock.now()), null);
      assert.equal(stage.muted({ alertname: "ServiceDown", severity: "warning" }, clock.now()), null, "a missing label is not api");

      clock.set(start + 2 * HOUR - 1);
      assert.notEqual(stage.muted(api, clock.now()), null);
      clock.set(start + 2 * HOUR);
      assert.equal(stage.muted(api, clock.now()), null, "endsAt is exclusive");
      assert.deepEqual(stage.list({ state: "expired" }).map((x) => x.id), [s.id]);
    }));

  it("states follow the clock: pending, active, expired", () => {
    const s = { id: 1, matchers: [], startsAt: 100, endsAt: 200, createdBy: "a", comment: "", createdAt: 0 };
    assert.equal(silenceState(s, 99), "pending");
    assert.equal(silenceState(s, 100), "active");
    assert.equal(silenceState(s, 199), "active");
    assert.equal(silenceState(s, 200), "expired");
    assert.equal(silenceState({ ...s, expiredAt: 150 }, 150), "expired");
    assert.equal(silenceState({ ...s, expiredAt: 50 }, 60), "expired", "a pending silence expired early never starts");
  });

  it("expire ends a silence at once, journals it, and is harmless when repeated", () =>
    withStage(async (stage, clock, storage) => {
      const s = await stage.add({ matchers: ['node="node-a"'], endsAt: clock.now() + HOUR, createdBy: "bob", comment: "reboot" });
      assert.notEqual(stage.muted({ node: "node-a" }, clock.now()), null);
      clock.advance(60_000);
      const first = await stage.expire(s.id);
      assert.equal(first.alreadyExpired, false);
      assert.equal(first.silence.expiredAt, clock.now());
      assert.equal(stage.muted({ node: "node-a" }, clock.now()), null);
      const again = await stage.expire(s.id);
      assert.equal(again.alreadyExpired, true);
      await assert.rejects(stage.expire(999), (err: unknown) => err instanceof SilenceError && err.reason === "not-found" && /no silence with id 999/.test(err.message));

      const events = await storage.listEvents({ kinds: ["silence.created", "silence.expired"] });
      assert.deepEqual(events.map((e) => e.kind), ["silence.created", "silence.expired"], "the repeated expire is not journalled");
      assert.deepEqual(events[0]!.data.matchers, ['node="node-a"']);
      assert.equal(events[0]!.data.createdBy, "bob");
      assert.equal(events[1]!.data.id, s.id);
      assert.equal(events[1]!.ts, clock.now());
    }));
});

describe("refused silences", () => {
  const now = 1_700_000_000_000;
  const refuse = (input: Parameters<typeof validateSilence>[0], field: string, message: RegExp) =>
    assert.throws(
      () => validateSilence(input, now),
      (err: unknown) => err instanceof SilenceError && err.field === field && message.test(err.message),
      `${JSON.stringify(input.matchers)} should be refused on ${field}`,
    );
  const base = { endsAt: now + HOUR, createdBy: "alice" };

  it("refuses silences that would match every alert", () => {
    refuse({ ...base, matchers: [] }, "matchers", /at least one matcher/);
    refuse({ ...base, matchers: ['service=~".*"'] }, "matchers", /would match every alert/);
    refuse({ ...base, matchers: ['service=""'] }, "matchers", /would match every alert/);
    refuse({ ...base, matchers: ['service!="api"'] }, "matchers", /would match every alert/);
    refuse({ ...base, matchers: ['service!~"x"', 'env=~"prod|"'] }, "matchers", /would match every alert/);
    // One selective matcher is enough, whatever the others are.
    assert.equal(validateSilence({ ...base, matchers: ['service=~".+"', 'env!="dev"'] }, now).matchers.length, 2);
  });

  it("names the bad matcher, times and author", () => {
    refuse({ ...base, matchers: ['service="api"', "nonsense"] }, "matchers[1]", /^matchers\[1\]: invalid matcher "nonsense"/);
    refuse({ ...base, matchers: ['service=~"("'] }, "matchers[0]", /invalid matcher service=~"\("/);
    refuse({ ...base, matchers: ['service="api"'], startsAt: now + HOUR, endsAt: now + HOUR }, "endsAt", /must be after startsAt/);
    refuse({ ...base, matchers: ['service="api"'], startsAt: now - 2 * HOUR, endsAt: now - HOUR }, "endsAt", /is in the past/);
    refuse({ ...base, matchers: ['service="api"'], createdBy: "  " }, "createdBy", /author/);
    refuse({ ...base, matchers: ['service="api"'], endsAt: Number.NaN }, "endsAt", /expected a time/);
  });

  it("a refused silence is not stored", () =>
    withStage(async (stage, clock, storage) => {
      await assert.rejects(stage.add({ matchers: ['a=~".*"'], endsAt: clock.now() + HOUR, createdBy: "x" }), /would match every alert/);
      assert.deepEqual(await storage.listSilences(), []);
      assert.deepEqual(await storage.listEvents({ kinds: ["silence.created"] }), []);
    }));
});

describe("persistence", () => {
  it("silences, their ids and expiry survive a reopen of the database", async () => {
    const path = join(dir, "reopen.db");
    const clock = new ManualClock();
    let storage = openSqliteStorage(path);
    let stage = new SilenceStage({ storage, journal: new Journal(storage, clock), clock });
    await stage.load();
    const kept = await stage.add({ matchers: ['service="api"'], endsAt: clock.now() + HOUR, createdBy: "alice", comment: "deploy" });
    const ended = await stage.add({ matchers: ['service="db"'], endsAt: clock.now() + HOUR, createdBy: "bob" });
    await stage.expire(ended.id);
    await storage.close();

    storage = openSqliteStorage(path);
    stage = new SilenceStage({ storage, journal: new Journal(storage, clock), clock });
    await stage.load();
    try {
      assert.deepEqual(stage.list(), [
        { ...kept, state: "active" },
        { ...ended, expiredAt: clock.now(), state: "expired" },
      ]);
      assert.equal(stage.muted({ service: "api" }, clock.now())?.id, String(kept.id));
      assert.equal(stage.muted({ service: "db" }, clock.now()), null);
      const third = await stage.add({ matchers: ['service="web"'], endsAt: clock.now() + HOUR, createdBy: "carol" });
      assert.equal(third.id, ended.id + 1, "ids keep counting after a reopen");
    } finally {
      await storage.close();
    }
  });
});
