import { test } from "node:test";
import assert from "node:assert/strict";
import { alertFingerprint } from "../../src/alert/fingerprint.js";

test("the same labels in any order give the same 16-hex-digit fingerprint", () => {
  const a = alertFingerprint({ alertname: "HighCpu", node: "node-a", severity: "warning" });
  const b = alertFingerprint({ severity: "warning", node: "node-a", alertname: "HighCpu" });
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(a, b);
});

test("the fingerprint is pinned: stored alerts keep their identity across versions", () => {
  // sha256 of [["alertname","HighCpu"],["node","node-a"]] as JSON, first 16 hex digits.
  assert.equal(alertFingerprint({ node: "node-a", alertname: "HighCpu" }), "af7985018df7b5fa");
});

test("different labels give different fingerprints, including ones a naive join would confuse", () => {
  const base = alertFingerprint({ alertname: "HighCpu", node: "node-a" });
  assert.notEqual(base, alertFingerprint({ alertname: "HighCpu", node: "node-b" }));
  assert.notEqual(base, alertFingerprint({ alertname: "HighCpu" }));
  assert.notEqual(alertFingerprint({ a: "b,c=d" }), alertFingerprint({ a: "b", c: "d" }));
});
