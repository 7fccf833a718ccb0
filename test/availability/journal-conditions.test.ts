// What journal events say about a component's condition: service health (unknown because
// the node died is down), node verdicts (down from the last heartbeat, unreachable unknown).
import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeChange, nodeRecordChange, serviceChange } from "../../src/availability/journal-conditions.js";
import type { JournalEvent } from "../../src/storage/storage.js";

const event = (kind: string, ts: number, data: Record<string, unknown> = {}): JournalEvent => ({ id: 1, ts, kind, data });

test("service.health: healthy up, unhealthy down, unknown from a dead node down, other unknown unknown", () => {
  assert.deepEqual(serviceChange(event("service.health", 5, { from: "unknown", to: "healthy", source: "probe" })), { at: 5, condition: "up" });
  assert.deepEqual(serviceChange(event("service.health", 6, { from: "healthy", to: "unhealthy", source: "process" })), { at: 6, condition: "down" });
  assert.deepEqual(serviceChange(event("service.health", 7, { from: "healthy", to: "unknown", source: "node" })), { at: 7, condition: "down" });
  assert.deepEqual(serviceChange(event("service.health", 8, { from: "healthy", to: "unknown", source: "snapshot" })), { at: 8, condition: "unknown" });
  assert.equal(serviceChange(event("service.health", 9, { to: "purple" })), null);
  assert.equal(serviceChange(event("node.down", 9)), null);
});

test("node verdicts: down from the last heartbeat when earlier, up, unreachable unknown", () => {
  assert.deepEqual(nodeChange(event("node.down", 100, { lastSeen: 90 })), { at: 90, condition: "down" });
  assert.deepEqual(nodeChange(event("node.down", 100, { lastSeen: 120 })), { at: 100, condition: "down" });
  assert.deepEqual(nodeChange(event("node.down", 100, {})), { at: 100, condition: "down" });
  assert.deepEqual(nodeChange(event("node.up", 200)), { at: 200, condition: "up" });
  assert.deepEqual(nodeChange(event("node.unreachable", 300)), { at: 300, condition: "unknown" });
  assert.equal(nodeChange(event("service.health", 1)), null);
  assert.deepEqual(nodeRecordChange({ state: "suspect", since: 4 }), { at: 4, condition: "up" });
  assert.deepEqual(nodeRecordChange({ state: "down", since: 4 }), { at: 4, condition: "down" });
  assert.deepEqual(nodeRecordChange({ state: "unreachable", since: 4 }), { at: 4, condition: "unknown" });
});
