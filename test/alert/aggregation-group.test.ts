import { test } from "node:test";
import assert from "node:assert/strict";
import { AggregationGroup, groupLabelsOf } from "../../src/alert/aggregation-group.js";
import { AggregationGroups } from "../../src/alert/aggregation-groups.js";
import type { RouteMatch } from "../../src/alert/routing.js";
import type { AlertRecord } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";

const route: RouteMatch = {
  routeId: "0.1",
  routeKey: '{}/{severity="critical"}',
  receiver: "oncall",
  groupBy: ["alertname", "node"],
  groupByAll: false,
  groupWait: 1000,
  groupInterval: 10_000,
  repeatInterval: 3_600_000,
};

function alert(node: string, firedAt: number, alertname = "HighCpu"): AlertRecord {
  return {
    fingerprint: `${alertname}-${node}`,
    labels: { alertname, node, severity: "critical" },
    annotations: {},
    state: "firing",
    activeAt: firedAt,
    firedAt,
    resolvedAt: null,
    value: null,
    updatedAt: firedAt,
  };
}

test("group labels are the groupBy labels an alert has; the group key is Alertmanager's", () => {
  assert.deepEqual(groupLabelsOf({ node: "a", alertname: "X", severity: "critical" }, route), { alertname: "X", node: "a" });
  assert.deepEqual(groupLabelsOf({ alertname: "X" }, route), { alertname: "X" });
  assert.deepEqual(groupLabelsOf({ b: "2", a: "1" }, { ...route, groupBy: [], groupByAll: true }), { a: "1", b: "2" });
  const group = new AggregationGroup(route, { node: "a", alertname: "X" }, 0);
  assert.equal(group.groupKey, '{}/{severity="critical"}:{alertname="X", node="a"}');
});

test("a new group waits groupWait; after its first flush it flushes every groupInterval", () => {
  const group = new AggregationGroup(route, {}, 5000);
  group.upsert(alert("a", 5000), 5000);
  assert.equal(group.nextFlushAt, 6000);
  group.upsert(alert("b", 5500), 5500);
  assert.equal(group.nextFlushAt, 6000, "later alerts join the wait, they do not extend it");
  group.beginFlush(6000);
  assert.equal(group.nextFlushAt, 16_000);
  group.upsert(alert("c", 7000), 7000);
  assert.equal(group.nextFlushAt, 16_000, "a change after the first flush waits for the next interval");
});

test("an alert older than groupWait (rebuilt after a restart) lets a group that never flushed flush at once", () => {
  const group = new AggregationGroup(route, {}, 50_000);
  group.upsert(alert("a", 10_000), 50_000);
  assert.equal(group.nextFlushAt, 50_000);
});

test("completeFlush removes what the flush is done with, unless it changed meanwhile", () => {
  const group = new AggregationGroup(route, {}, 0);
  const a = alert("a", 0);
  const b = alert("b", 0);
  group.upsert(a, 0);
  group.upsert(b, 0, { changed: true });
  const bAgain = { ...b, value: 2 };
  group.upsert(bAgain, 10);
  group.completeFlush([a, b], [b]);
  assert.deepEqual(group.members(), [bAgain]);
  assert.deepEqual([...group.changed()], []);
});

test("the shell flushes each group when due, one group per route and group labels, and drops empty groups", async () => {
  const clock = new ManualClock(0);
  const flushes: string[] = [];
  const groups = new AggregationGroups(clock, async (group, now) => {
    flushes.push(`${now} ${group.groupKey} ${group.members().map((a) => a.fingerprint).join(",")}`);
    // Like the alert manager: everything flushed is done once resolved; here, the node "gone" leaves at once.
    group.completeFlush(group.members().filter((a) => a.labels.node === "gone"), []);
  });
  groups.insert(route, alert("a", 0));
  clock.advance(400);
  groups.insert(route, alert("b", 400));
  groups.insert(route, alert("gone", 400, "Disk"));
  clock.advance(600);
  await groups.idle();
  assert.deepEqual(flushes, ['1000 {}/{severity="critical"}:{alertname="HighCpu", node="a"} HighCpu-a']);
  clock.advance(400);
  await groups.idle();
  assert.deepEqual(flushes.slice(1), [
    '1400 {}/{severity="critical"}:{alertname="HighCpu", node="b"} HighCpu-b',
    '1400 {}/{severity="critical"}:{alertname="Disk", node="gone"} Disk-gone',
  ], "each group has its own groupWait");
  assert.equal(groups.all().length, 2, "the emptied group is dropped");
  flushes.length = 0;
  clock.advance(9599);
  await groups.idle();
  assert.deepEqual(flushes, []);
  clock.advance(1);
  await groups.idle();
  assert.deepEqual(flushes, ['11000 {}/{severity="critical"}:{alertname="HighCpu", node="a"} HighCpu-a'], "every groupInterval after the first flush");
  groups.stop();
  assert.equal(clock.pendingTimers(), 0, "stop cancels every timer");
});
