// A deposed leader's writes to the shared records fail, naming the write; its reads, tokens
// and audit log go on. Real SQLite storage underneath.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FENCED_WRITES, NotLeaderError, fencedStorage } from "../../src/storage/fenced-storage.js";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";

test("writes pass while this replica leads and fail once it does not; reads always pass", async () => {
  const storage = openSqliteStorage(":memory:");
  let leading = true;
  const fenced = fencedStorage(storage, () => leading);
  await fenced.appendEvent({ ts: 1, kind: "node.up", node: "a", data: {} });
  await fenced.upsertNode({ name: "a", state: "alive", since: 1, lastHeartbeat: 1, agentVersion: null, outboxId: null, processedSeq: 0, ackedSeq: 0 });

  leading = false;
  await assert.rejects(fenced.appendEvent({ ts: 2, kind: "node.down", node: "a", data: {} }), (err: Error) => {
    assert.ok(err instanceof NotLeaderError);
    assert.equal(err.message, "this replica no longer holds the leader lease: appendEvent not written");
    return true;
  });
  await assert.rejects(fenced.createIncident({} as never), /createIncident not written/);
  assert.deepEqual((await fenced.listEvents()).map((e) => e.kind), ["node.up"], "nothing of the refused write landed");
  assert.equal((await fenced.listNodes()).length, 1);
  assert.equal(await fenced.tokens.hasTokens(), false, "tokens are not fenced");
  for (const method of FENCED_WRITES) assert.equal(typeof fenced[method], "function");
  await fenced.close();
});
