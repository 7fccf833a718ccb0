// The silence and maintenance API on a real fastify listening on 127.0.0.1 with real
// SQLite: create, list, expire, and a 400 naming the bad field for each kind of bad body.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { configSchema } from "../../../src/config/schema.js";
import { MaintenanceStage } from "../../../src/alert/maintenance.js";
import { SilenceStage } from "../../../src/alert/silences.js";
import { registerSilenceRoutes } from "../../../src/server/http/silence-routes.js";
import { Journal } from "../../../src/storage/journal.js";
import { openSqliteStorage, type SqliteStorage } from "../../../src/storage/sqlite/sqlite-storage.js";
import { ManualClock } from "../../../src/util/clock.js";

const HOUR = 3_600_000;
const NOW = Date.parse("2025-06-07T21:00:00Z");

let dir: string;
let storage: SqliteStorage;
let http: FastifyInstance;
let base: string;
const clock = new ManualClock(NOW);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-silence-routes-"));
  storage = openSqliteStorage(join(dir, "vigil.db"));
  const silences = new SilenceStage({ storage, journal: new Journal(storage, clock), clock });
  await silences.load();
  const maintenance = MaintenanceStage.fromConfig(
    configSchema.parse({
      maintenance: [{ name: "db-nightly", matchers: ['service="db"'], weekly: { days: ["sat"], from: "22:00", to: "02:00" }, timezone: "Europe/Berlin" }],
    }).maintenance,
  );
  http = Fastify({ logger: false });
  registerSilenceRoutes(http, { silences, maintenance, clock });
  base = await http.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await http.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

describe("silence API", () => {
  let created: number;

  it("POST creates a silence from a duration and answers 201 with it", async () => {
    const { status, json } = await request("POST", "/api/v1/silences", {
      matchers: ['service="api"', "env=~prod|staging"],
      duration: "2h",
      createdBy: "alice",
      comment: "deploy",
    });
    assert.equal(status, 201);
    created = json.silence.id;
    assert.deepEqual(json.silence, {
      id: created,
      matchers: [
        { name: "service", op: "=", value: "api", text: 'service="api"' },
        { name: "env", op: "=~", value: "prod|staging", text: 'env=~"prod|staging"' },
      ],
      startsAt: NOW,
      endsAt: NOW + 2 * HOUR,
      createdBy: "alice",
      comment: "deploy",
      createdAt: NOW,
      state: "active",
    });
    const [event] = await storage.listEvents({ kinds: ["silence.created"] });
    assert.equal(event?.data.id, created);
  });

  it("POST takes ISO times too; a future start is pending", async () => {
    const { status, json } = await request("POST", "/api/v1/silences", {
      matchers: ['node="node-a"'],
      startsAt: "2025-06-08T00:00:00Z",
      endsAt: "2025-06-08T03:00:00+02:00",
      createdBy: "bob",
    });
    assert.equal(status, 201);
    assert.equal(json.silence.startsAt, Date.parse("2025-06-08T00:00:00Z"));
    assert.equal(json.silence.endsAt, Date.parse("2025-06-08T01:00:00Z"));
    assert.equal(json.silence.state, "pending");
    assert.equal(json.silence.comment, "");
  });

  it("GET lists silences, optionally by state", async () => {
    const all = await request("GET", "/api/v1/silences");
    assert.deepEqual(all.json.silences.map((s: { state: string }) => s.state), ["active", "pending"]);
    const pending = await request("GET", "/api/v1/silences?state=pending");
    assert.equal(pending.json.silences.length, 1);
    assert.equal(pending.json.silences[0].createdBy, "bob");
    const bad = await request("GET", "/api/v1/silences?state=gone");
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /state: unknown state "gone"/);
  });

  it("DELETE expires a silence; again is harmless; unknown and malformed ids are refused", async () => {
    clock.advance(60_000);
    const first = await request("DELETE", `/api/v1/silences/${created}`);
    assert.equal(first.status, 200);
    assert.equal(first.json.alreadyExpired, false);
    assert.equal(first.json.silence.state, "expired");
    assert.equal(first.json.silence.expiredAt, NOW + 60_000);
    const again = await request("DELETE", `/api/v1/silences/${created}`);
    assert.equal(again.status, 200);
    assert.equal(again.json.alreadyExpired, true);
    const missing = await request("DELETE", "/api/v1/silences/999");
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, "no silence with id 999");
    const malformed = await request("DELETE", "/api/v1/silences/abc");
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error, /invalid silence id "abc"/);
    const expired = await request("GET", "/api/v1/silences?state=expired");
    assert.deepEqual(expired.json.silences.map((s: { id: number }) => s.id), [created]);
  });

  it("a bad body gets 400 naming the bad field, and nothing is stored", async () => {
    const before = (await storage.listSilences()).length;
    const good = { matchers: ['service="api"'], duration: "1h", createdBy: "alice" };
    const cases: [unknown, RegExp][] = [
      [{ ...good, matchers: ['service="api"', "bogus"] }, /^invalid silence: matchers\[1\]: invalid matcher "bogus"/],
      [{ ...good, matchers: [] }, /^invalid silence: matchers: expected at least one matcher/],
      [{ ...good, matchers: ['service=~".*"'] }, /^invalid silence: matchers: .* would match every alert/],
      [{ ...good, matchers: "service=api" }, /^invalid silence: matchers: expected a list of matchers/],
      [{ ...good, endsAt: "2025-06-08T00:00:00Z" }, /^invalid silence: endsAt: expected exactly one of endsAt .* or duration/],
      [{ matchers: good.matchers, createdBy: "alice" }, /^invalid silence: endsAt: expected exactly one of endsAt/],
      [{ ...good, duration: "2 hours" }, /^invalid silence: duration: expected a duration such as "2h"/],
      [{ ...good, duration: undefined, endsAt: "next week" }, /^invalid silence: endsAt: expected an ISO-8601 time/],
      [{ ...good, duration: undefined, endsAt: NOW - HOUR }, /^invalid silence: endsAt .* is in the past/],
      [{ ...good, createdBy: undefined }, /^invalid silence: createdBy: expected the author's name/],
      [{ ...good, createdBy: "" }, /^invalid silence: createdBy: expected the author's name/],
      [{ ...good, author: "alice" }, /^invalid silence: body: .*author/],
    ];
    for (const [body, error] of cases) {
      const { status, json } = await request("POST", "/api/v1/silences", body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.match(json.error, error, JSON.stringify(body));
    }
    assert.equal((await storage.listSilences()).length, before);
  });
});

describe("maintenance API", () => {
  it("GET lists the windows with whether each is open now and its next change", async () => {
    clock.set(Date.parse("2025-06-07T21:30:00Z"));
    const { status, json } = await request("GET", "/api/v1/maintenance");
    assert.equal(status, 200);
    assert.equal(json.windows.length, 1);
    assert.equal(json.windows[0].name, "db-nightly");
    assert.equal(json.windows[0].active, true);
    assert.equal(json.windows[0].nextChange, Date.parse("2025-06-08T00:00:00Z"));
  });
});
