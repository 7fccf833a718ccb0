import { test } from "node:test";
import assert from "node:assert/strict";
import { routeAlert } from "../../src/alert/routing.js";
import type { RouteConfig } from "../../src/config/schema.js";

const routes: RouteConfig[] = [
  { match: { severity: "critical", team: "db" }, receiver: "db-pager" },
  { match: { severity: "critical" }, receiver: "oncall" },
  { match: {}, receiver: "everything" },
];

test("the first route whose match labels all equal the alert's wins", () => {
  assert.deepEqual(routeAlert({ alertname: "X", severity: "critical", team: "db" }, routes), ["db-pager"]);
  assert.deepEqual(routeAlert({ alertname: "X", severity: "critical", team: "web" }, routes), ["oncall"]);
});

test("a route with an empty match takes every alert that earlier routes did not", () => {
  assert.deepEqual(routeAlert({ alertname: "X", severity: "warning" }, routes), ["everything"]);
  assert.deepEqual(routeAlert({}, [{ match: {}, receiver: "all" }]), ["all"]);
});

test("no matching route gives no receivers; a missing label does not match", () => {
  assert.deepEqual(routeAlert({ alertname: "X", severity: "warning" }, routes.slice(0, 2)), []);
  assert.deepEqual(routeAlert({ alertname: "X", team: "db" }, routes.slice(0, 2)), []);
  assert.deepEqual(routeAlert({ alertname: "X" }, []), []);
});
