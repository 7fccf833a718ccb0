import { test } from "node:test";
import assert from "node:assert/strict";
import { compileRouteTree, routeAlert, type RouteMatch } from "../../src/alert/routing.js";
import { configSchema, type RouteInput } from "../../src/config/schema.js";

const receivers = Object.fromEntries(
  ["default", "db-pager", "oncall", "everything", "audit", "web-team", "quiet"].map((name) => [name, { webhook: { url: "http://127.0.0.1:9/" } }]),
);

/** A compiled tree from notify config as a user writes it (durations as strings, defaults applied). */
function tree(notify: { receiver?: string; groupBy?: string[]; groupWait?: string; groupInterval?: string; repeatInterval?: string; routes: RouteInput[] }) {
  return compileRouteTree(configSchema.parse({ notify: { receivers, ...notify } }).notify);
}

const receiversOf = (matches: RouteMatch[]) => matches.map((m) => m.receiver);

test("the first matching child takes the alert; a child with no match takes every alert earlier ones did not", () => {
  const root = tree({
    routes: [
      { match: { severity: "critical", team: "db" }, receiver: "db-pager" },
      { match: { severity: "critical" }, receiver: "oncall" },
      { receiver: "everything" },
    ],
  });
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "critical", team: "db" }, root)), ["db-pager"]);
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "critical", team: "web" }, root)), ["oncall"]);
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "warning" }, root)), ["everything"]);
});

test("when no child matches, the parent takes the alert: the root's receiver, or nobody without one", () => {
  const routes: RouteInput[] = [{ match: { severity: "critical" }, receiver: "oncall" }];
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "info" }, tree({ receiver: "default", routes }))), ["default"]);
  assert.deepEqual(routeAlert({ alertname: "X", severity: "info" }, tree({ routes })), []);
  // A missing label is the empty string: it does not equal "critical".
  assert.deepEqual(routeAlert({ alertname: "X" }, tree({ routes })), []);
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X" }, tree({ receiver: "default", routes: [] }))), ["default"]);
});

test("the deepest matching route wins; a nested parent takes what none of its children match", () => {
  const root = tree({
    receiver: "default",
    routes: [
      {
        match: { team: "db" },
        receiver: "db-pager",
        routes: [
          { matchers: ['severity="info"'], receiver: "quiet" },
          { matchers: ['service=~"pg-.*"'], routes: [{ matchers: ['env!="prod"'], receiver: "audit" }] },
        ],
      },
    ],
  });
  const route = (labels: Record<string, string>) => routeAlert({ alertname: "X", ...labels }, root).map((m) => [m.receiver, m.routeId]);
  assert.deepEqual(route({ team: "db", severity: "info" }), [["quiet", "0.0.0"]]);
  assert.deepEqual(route({ team: "db", service: "pg-main", env: "dev" }), [["audit", "0.0.1.0"]]);
  // pg-main in prod: the pg route matches but its only child does not, so the pg route itself takes it, with the receiver it inherits.
  assert.deepEqual(route({ team: "db", service: "pg-main", env: "prod" }), [["db-pager", "0.0.1"]]);
  assert.deepEqual(route({ team: "db", service: "mysql" }), [["db-pager", "0.0"]]);
  assert.deepEqual(route({ team: "web" }), [["default", "0"]]);
});

test("continue lets the following siblings match too; without it the first match ends the search", () => {
  const root = tree({
    routes: [
      { matchers: ['severity=~"critical|warning"'], receiver: "audit", continue: true },
      { match: { service: "web" }, receiver: "web-team" },
      { matchers: ['severity="critical"'], receiver: "oncall" },
      { receiver: "everything" },
    ],
  });
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "critical", service: "web" }, root)), ["audit", "web-team"]);
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "critical", service: "db" }, root)), ["audit", "oncall"]);
  assert.deepEqual(receiversOf(routeAlert({ alertname: "X", severity: "info" }, root)), ["everything"]);
});

test("the four matcher kinds, and match and matchers together all having to hold", () => {
  const root = tree({
    routes: [
      { match: { team: "db" }, matchers: ['env!="dev"', 'service=~"pg|mysql"', 'node!~"test-.*"'], receiver: "db-pager" },
    ],
  });
  const takes = (labels: Record<string, string>) => routeAlert({ alertname: "X", ...labels }, root).length === 1;
  assert.equal(takes({ team: "db", env: "prod", service: "pg", node: "a" }), true);
  assert.equal(takes({ team: "db", service: "mysql" }), true, "env and node missing: != and !~ compare the empty string");
  assert.equal(takes({ team: "web", env: "prod", service: "pg" }), false, "match fails");
  assert.equal(takes({ team: "db", env: "dev", service: "pg" }), false, "!= fails");
  assert.equal(takes({ team: "db", service: "pgbouncer" }), false, "=~ is anchored");
  assert.equal(takes({ team: "db", service: "pg", node: "test-1" }), false, "!~ fails");
});

test("receiver, groupBy and timings are inherited from the nearest ancestor that sets them", () => {
  const root = tree({
    receiver: "default",
    groupBy: ["alertname"],
    groupWait: "5s",
    groupInterval: "1m",
    repeatInterval: "2h",
    routes: [
      {
        match: { team: "db" },
        groupBy: ["alertname", "service"],
        groupWait: "0s",
        routes: [{ match: { severity: "critical" }, receiver: "db-pager", repeatInterval: "15m" }],
      },
    ],
  });
  const [critical] = routeAlert({ alertname: "X", team: "db", severity: "critical" }, root);
  assert.deepEqual(critical, {
    routeId: "0.0.0",
    routeKey: '{}/{team="db"}/{severity="critical"}',
    receiver: "db-pager",
    groupBy: ["alertname", "service"],
    groupByAll: false,
    groupWait: 0,
    groupInterval: 60_000,
    repeatInterval: 900_000,
  });
  const [db] = routeAlert({ alertname: "X", team: "db", severity: "warning" }, root);
  assert.deepEqual(
    [db!.routeId, db!.receiver, db!.groupWait, db!.groupInterval, db!.repeatInterval],
    ["0.0", "default", 0, 60_000, 7_200_000],
  );
});

test("the root's defaults: group by alertname, service and node; 1s / 10s / 4h", () => {
  const [match] = routeAlert({ alertname: "X" }, tree({ receiver: "default", routes: [] }));
  assert.deepEqual(match, {
    routeId: "0",
    routeKey: "{}",
    receiver: "default",
    groupBy: ["alertname", "service", "node"],
    groupByAll: false,
    groupWait: 1000,
    groupInterval: 10_000,
    repeatInterval: 14_400_000,
  });
});

test('groupBy ["..."] groups by every label; route keys list matchers sorted, as Alertmanager prints them', () => {
  const root = tree({ routes: [{ matchers: ['team=~"db|web"', 'env!="dev"'], match: { severity: "critical" }, receiver: "oncall", groupBy: ["..."] }] });
  const [match] = routeAlert({ alertname: "X", severity: "critical", team: "db" }, root);
  assert.equal(match!.groupByAll, true);
  assert.deepEqual(match!.groupBy, []);
  assert.equal(match!.routeKey, '{}/{env!="dev",severity="critical",team=~"db|web"}');
});

test("a matcher that does not parse is refused when the tree is compiled, naming its route", () => {
  const notify = configSchema.parse({ notify: { receivers, routes: [{ routes: [{ matchers: ["severity"], receiver: "oncall" }] }] } }).notify;
  assert.throws(() => compileRouteTree(notify), /^Error: notify\.routes\[0\]\.routes\[0\]\.matchers\[0\]: invalid matcher "severity"/);
});
