import { test } from "node:test";
import assert from "node:assert/strict";
import { nameMatches, parseSelector } from "../../../src/tsdb/query/selector.js";

const plain = (text: string) => {
  const s = parseSelector(text);
  return { name: s.name, labels: s.labelMatchers.map((m) => `${m.name}${m.op}${m.value}`), names: s.nameMatchers.map((m) => `${m.op}${m.value}`) };
};

test("a selector is a metric name, label matchers in braces, or both", () => {
  assert.deepEqual(plain("node_load1"), { name: "node_load1", labels: [], names: [] });
  assert.deepEqual(plain('node_load1{node="a"}'), { name: "node_load1", labels: ["node=a"], names: [] });
  assert.deepEqual(plain(' up { node != "a" , service=~"api|db", job!~\'x.*\', } '), {
    name: "up",
    labels: ["node!=a", "service=~api|db", "job!~x.*"],
    names: [],
  });
  assert.deepEqual(plain('{mountpoint="/"}'), { name: undefined, labels: ["mountpoint=/"], names: [] });
  assert.deepEqual(plain('{path="a,b}c", q="say \\"hi\\""}'), { name: undefined, labels: ["path=a,b}c", 'q=say "hi"'], names: [] });
});

test("__name__ names the metric, or matches it by regex", () => {
  assert.deepEqual(plain('{__name__="up", node="a"}'), { name: "up", labels: ["node=a"], names: [] });
  const byRegex = parseSelector('{__name__=~"node_.*"}');
  assert.equal(byRegex.name, undefined);
  assert.ok(nameMatches(byRegex, "node_load1"));
  assert.ok(!nameMatches(byRegex, "service_up"));
  assert.throws(() => parseSelector('up{__name__="down"}'), /names two metrics, up and down/);
});

test("broken selectors are errors that say what is wrong", () => {
  assert.throws(() => parseSelector(""), /empty/);
  assert.throws(() => parseSelector("up{node=\"a\""), /expected "}" at the end/);
  assert.throws(() => parseSelector("up node"), /expected a metric name and\/or/);
  assert.throws(() => parseSelector('up{node="a}'), /unterminated "/);
  assert.throws(() => parseSelector("up{node}"), /invalid matcher "node"/);
  assert.throws(() => parseSelector('up{node=~"("}'), /invalid matcher node=~"\("/);
});
