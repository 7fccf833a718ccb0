import { test } from "node:test";
import assert from "node:assert/strict";
import { planDedup, type DedupInput } from "../../src/alert/notification-dedup.js";
import type { AlertRecord, NotificationLogEntry } from "../../src/storage/storage.js";

const T = 1_000_000;
const HOUR = 3_600_000;

function alert(fingerprint: string, state: "firing" | "resolved"): AlertRecord {
  return {
    fingerprint,
    labels: { alertname: "X", id: fingerprint },
    annotations: {},
    state,
    activeAt: T,
    firedAt: T,
    resolvedAt: state === "resolved" ? T + 1 : null,
    value: null,
    updatedAt: T,
  };
}

function entry(firing: string[], resolved: string[] = [], sentAt = T): NotificationLogEntry {
  return { receiver: "oncall", groupKey: "{}:{}", firing, resolved, sentAt };
}

function plan(alerts: AlertRecord[], log: NotificationLogEntry | null, extra: Partial<DedupInput> = {}) {
  const p = planDedup({
    receiver: "oncall",
    groupKey: "{}:{}",
    alerts,
    entry: log,
    isMuted: () => false,
    changed: new Set(),
    repeatIntervalMs: 4 * HOUR,
    now: T + 60_000,
    ...extra,
  });
  const fps = (list: AlertRecord[]) => list.map((a) => a.fingerprint);
  return { send: p.send, reason: p.reason, firing: fps(p.firing), resolved: fps(p.resolved), muted: fps(p.muted), done: fps(p.done), entry: p.entry };
}

test("a group never notified is sent when something fires, and only then", () => {
  assert.deepEqual(plan([alert("a", "firing")], null).reason, "new");
  const onlyResolved = plan([alert("a", "resolved")], null);
  assert.deepEqual([onlyResolved.send, onlyResolved.done], [false, ["a"]], "fired and resolved before anyone was told: nothing to tell, it leaves");
});

test("a new firing alert is news; the same firing set is not, until repeatInterval has passed", () => {
  const both = [alert("a", "firing"), alert("b", "firing")];
  assert.equal(plan(both, entry(["a"])).reason, "new-firing");
  assert.equal(plan(both, entry(["a", "b"])).reason, "unchanged");
  assert.equal(plan(both, entry(["a", "b"]), { now: T + 4 * HOUR - 1 }).send, false);
  const repeat = plan(both, entry(["a", "b"]), { now: T + 4 * HOUR });
  assert.deepEqual([repeat.reason, repeat.firing], ["repeat", ["a", "b"]]);
});

test("a resolved alert the receiver saw firing is sent with whatever still fires, then leaves", () => {
  const p = plan([alert("a", "resolved"), alert("b", "firing"), alert("c", "resolved")], entry(["a", "b"]));
  assert.deepEqual(p, {
    send: true,
    reason: "resolved",
    firing: ["b"],
    resolved: ["a"],
    muted: [],
    done: ["a", "c"],
    entry: { receiver: "oncall", groupKey: "{}:{}", firing: ["b"], resolved: ["a"], sentAt: T + 60_000 },
  });
});

test("an alert muted after it was notified: no news while muted, its resolved is still sent", () => {
  const muteA = { isMuted: (a: AlertRecord) => a.fingerprint === "a" };
  const mutedFiring = plan([alert("a", "firing"), alert("b", "firing")], entry(["a", "b"]), muteA);
  assert.deepEqual([mutedFiring.send, mutedFiring.muted], [false, ["a"]], "being muted is not news");

  // A new alert is sent without the muted one, and the log still counts the muted one as told.
  const withNew = plan([alert("a", "firing"), alert("b", "firing"), alert("c", "firing")], entry(["a", "b"]), muteA);
  assert.deepEqual([withNew.reason, withNew.firing, withNew.entry.firing], ["new-firing", ["b", "c"], ["a", "b", "c"]]);

  const resolvedWhileMuted = plan([alert("a", "resolved")], entry(["a", "b"]), muteA);
  assert.deepEqual([resolvedWhileMuted.reason, resolvedWhileMuted.resolved], ["resolved", ["a"]]);
});

test("an alert muted before anyone was told is never sent, firing or resolved", () => {
  const muteAll = { isMuted: () => true };
  assert.equal(plan([alert("a", "firing")], null, muteAll).reason, "nothing");
  const resolved = plan([alert("a", "resolved")], entry([]), muteAll);
  assert.deepEqual([resolved.send, resolved.done], [false, ["a"]]);
});

test("a change of form (flapping began or settled) is news for an alert the receiver is told about", () => {
  const firing = [alert("a", "firing")];
  assert.equal(plan(firing, entry(["a"]), { changed: new Set(["a"]) }).reason, "changed");
  assert.equal(plan(firing, entry(["a"]), { changed: new Set(["a"]), isMuted: () => true }).send, false, "not while muted");
});
