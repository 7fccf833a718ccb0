import { test } from "node:test";
import assert from "node:assert/strict";
import { compileMatcher, formatMatcher, matchesAll, parseMatcher } from "../../src/alert/matchers.js";

test("parses the four operators, quoted or not", () => {
  assert.deepEqual(parseMatcher('severity="critical"'), { name: "severity", op: "=", value: "critical" });
  assert.deepEqual(parseMatcher("env!=dev"), { name: "env", op: "!=", value: "dev" });
  assert.deepEqual(parseMatcher('service=~"api|web"'), { name: "service", op: "=~", value: "api|web" });
  assert.deepEqual(parseMatcher(" node !~ 'node-[ab]' "), { name: "node", op: "!~", value: "node-[ab]" });
  assert.deepEqual(parseMatcher('summary="say \\"hi\\""'), { name: "summary", op: "=", value: 'say "hi"' });
  assert.deepEqual(parseMatcher('team=""'), { name: "team", op: "=", value: "" });
});

test("refuses what is not a matcher, naming it", () => {
  for (const bad of ["severity", "=x", "1a=b", 'a=="b"', 'a="b" c']) {
    assert.throws(() => parseMatcher(bad), new RegExp(`invalid matcher`), bad);
  }
  assert.throws(() => parseMatcher('a=~"("'), /invalid matcher a=~"\(":/);
});

test("regexes are anchored and a missing label is the empty string", () => {
  const labels = { service: "api-gateway", env: "prod" };
  assert.equal(compileMatcher(parseMatcher('service=~"api"')).test(labels), false);
  assert.equal(compileMatcher(parseMatcher('service=~"api.*"')).test(labels), true);
  assert.equal(compileMatcher(parseMatcher('service!~"api.*"')).test(labels), false);
  assert.equal(compileMatcher(parseMatcher('team=""')).test(labels), true);
  assert.equal(compileMatcher(parseMatcher('team!=""')).test(labels), false);
  assert.equal(compileMatcher(parseMatcher('env!="dev"')).test(labels), true);
});

test("matchesAll needs every matcher; none matches everything", () => {
  const ms = ['env="prod"', 'service=~"api.*"'].map((t) => compileMatcher(parseMatcher(t)));
  assert.equal(matchesAll(ms, { env: "prod", service: "api" }), true);
  assert.equal(matchesAll(ms, { env: "prod", service: "db" }), false);
  assert.equal(matchesAll([], {}), true);
  assert.equal(formatMatcher(parseMatcher("a=~b.*")), 'a=~"b.*"');
});
