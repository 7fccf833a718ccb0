// The live feed: one frame per change, built once, written to every client; nothing built
// when nobody listens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveFeed, sseFrame } from "../../../src/server/live-feed.js";

test("each change reaches every client as the same SSE frame; a removed client hears nothing more", () => {
  const feed = new LiveFeed();
  const a: string[] = [];
  const b: string[] = [];
  const stopA = feed.listen((f) => a.push(f));
  feed.listen((f) => b.push(f));
  feed.publish({ topic: "journal", kind: "incident.opened", id: 7 });
  assert.deepEqual(a, ['id: 1\nevent: change\ndata: {"topic":"journal","kind":"incident.opened","id":7}\n\n']);
  assert.ok(a[0] === b[0]);
  stopA();
  feed.publish({ topic: "node", node: "x", state: "suspect" });
  assert.equal(a.length, 1);
  assert.equal(b.length, 2);
  assert.equal(feed.listeners, 1);
});

test("a frame's data is one line even when a value holds a newline", () => {
  assert.equal(sseFrame(3, "change", { text: "a\nb" }), 'id: 3\nevent: change\ndata: {"text":"a\\nb"}\n\n');
});
