import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeLabelValue, matchesLabels, seriesKey } from "../../src/tsdb/labels.js";

test("series key lists labels sorted by name, whatever their insertion order", () => {
  assert.equal(seriesKey("node_cpu_usage_ratio", { node: "a" }), 'node_cpu_usage_ratio{node="a"}');
  const key = seriesKey("http_requests_total", { service: "api", code: "200", node: "a" });
  assert.equal(key, 'http_requests_total{code="200",node="a",service="api"}');
  assert.equal(seriesKey("http_requests_total", { node: "a", code: "200", service: "api" }), key);
});

test("series key of a metric without labels is the bare name", () => {
  assert.equal(seriesKey("up", {}), "up");
});

test("label names sort by code unit, so upper case comes before lower case on every machine", () => {
  assert.equal(seriesKey("m", { b: "1", B: "2", a: "3", _x: "4" }), 'm{B="2",_x="4",a="3",b="1"}');
});

test("label values are escaped like the Prometheus text format", () => {
  assert.equal(escapeLabelValue('say "hi"\\now\nnext'), 'say \\"hi\\"\\\\now\\nnext');
  assert.equal(seriesKey("m", { path: 'C:\\dir', msg: 'a"b', text: "l1\nl2" }), 'm{msg="a\\"b",path="C:\\\\dir",text="l1\\nl2"}');
});

test("escaping keeps distinct label sets distinct", () => {
  // Without escaping, both would read m{a="x",b="y"}.
  const one = seriesKey("m", { a: 'x",b="y' });
  const two = seriesKey("m", { a: "x", b: "y" });
  assert.notEqual(one, two);
});

test("matchesLabels requires every match pair to be present with an equal value", () => {
  const labels = { node: "a", service: "api" };
  assert.equal(matchesLabels(labels, {}), true);
  assert.equal(matchesLabels(labels, { node: "a" }), true);
  assert.equal(matchesLabels(labels, { node: "a", service: "api" }), true);
  assert.equal(matchesLabels(labels, { node: "b" }), false);
  assert.equal(matchesLabels(labels, { node: "a", zone: "eu" }), false);
  assert.equal(matchesLabels(labels, { toString: "x" }), false);
});
