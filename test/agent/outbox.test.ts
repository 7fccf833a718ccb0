// The outbox on real files: numbering and acks across reopen and a killed process, recovery
// from torn and corrupt lines, the bound (drops oldest samples, never events), compaction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Outbox, OUTBOX_FILE, shouldCompact } from "../../src/agent/outbox.js";
import { PROTOCOL_VERSION, type UnsequencedMessage } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { silentLogger, type Logger } from "../../src/util/logger.js";
import { capturingLogger } from "../fixtures/capturing-logger.js";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-outbox-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}


const samples = (value: number): UnsequencedMessage => ({
  type: "samples",
  v: PROTOCOL_VERSION,
  samples: [{ name: "node_cpu_usage_ratio", labels: { node: "a" }, ts: 1_700_000_000_000, value }],
});
const event = (service: string): UnsequencedMessage => ({
  type: "event",
  v: PROTOCOL_VERSION,
  kind: "process.exited",
  service,
  ts: 1_700_000_000_000,
  data: { code: 1 },
});

test("a crashed outbox reopens with exactly the unacknowledged messages and continues numbering", (t) => {
  const dir = tempDir(t);
  const first = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  const outboxId = first.outboxId;
  const seqs = [1, 2, 3, 4, 5].map((i) => first.append(samples(i)).seq);
  assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
  first.ack(2);
  assert.equal(first.size(), 3);
  // Simulated crash: the object is abandoned without close().

  const second = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  t.after(() => second.close());
  assert.equal(second.outboxId, outboxId);
  assert.equal(second.size(), 3);
  assert.deepEqual(
    second.pending().map((m) => m.seq),
    [3, 4, 5],
  );
  const third = second.pending()[0]!;
  assert.equal(third.type, "samples");
  assert.equal(third.type === "samples" && third.samples[0]!.value, 3);
  assert.deepEqual(
    second.pending(4).map((m) => m.seq),
    [5],
  );
  assert.equal(second.ackedSeq, 2);
  assert.equal(second.lastSeq, 5);
  assert.equal(second.append(event("api")).seq, 6);
});

test("messages written by an agent process killed with SIGKILL are recovered", (t) => {
  const dir = tempDir(t);
  const moduleUrl = pathToFileURL(join(fileURLToPath(new URL(".", import.meta.url)), "../../src/agent/outbox.js")).href;
  const loggerUrl = pathToFileURL(join(fileURLToPath(new URL(".", import.meta.url)), "../../src/util/logger.js")).href;
  const script = `
    const { Outbox } = await import(${JSON.stringify(moduleUrl)});
    const { silentLogger } = await import(${JSON.stringify(loggerUrl)});
    const outbox = Outbox.open({ dir: ${JSON.stringify(dir)}, maxMessages: 100, logger: silentLogger() });
    for (let i = 0; i < 4; i++) {
      outbox.append({ type: "probe", v: 1, service: "api", health: "unhealthy", ts: i, since: 0, detail: "down " + i });
    }
    outbox.ack(1);
    process.stdout.write(outbox.outboxId);
    process.kill(process.pid, "SIGKILL");
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(child.signal, "SIGKILL", `child did not die by SIGKILL: ${child.stderr}`);

  const outbox = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  t.after(() => outbox.close());
  assert.equal(outbox.outboxId, child.stdout);
  assert.deepEqual(
    outbox.pending().map((m) => [m.seq, m.type === "probe" && m.detail]),
    [
      [2, "down 1"],
      [3, "down 2"],
      [4, "down 3"],
    ],
  );
});

test("a torn last line is ignored with a warning and later appends are readable", (t) => {
  const dir = tempDir(t);
  const first = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  first.append(samples(1));
  first.append(samples(2));
  first.close();
  appendFileSync(join(dir, OUTBOX_FILE), '{"seq":3,"msg":{"type":"samp');

  const log = capturingLogger();
  const second = Outbox.open({ dir, maxMessages: 100, logger: log.logger });
  assert.deepEqual(
    second.pending().map((m) => m.seq),
    [1, 2],
  );
  const warning = log.lines().find((l) => l.level === 40 && /torn last line/.test(l.msg));
  assert.ok(warning, `expected a torn-line warning, got ${JSON.stringify(log.lines())}`);
  assert.equal(second.append(samples(3)).seq, 3);
  second.close();

  const third = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  t.after(() => third.close());
  assert.deepEqual(
    third.pending().map((m) => m.seq),
    [1, 2, 3],
  );
});

test("a complete last line missing only its newline is kept", (t) => {
  const dir = tempDir(t);
  const first = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  first.append(samples(1));
  first.close();
  appendFileSync(join(dir, OUTBOX_FILE), '{"ack":1}');

  const second = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  assert.equal(second.size(), 0);
  assert.equal(second.append(samples(2)).seq, 2);
  second.close();
  const third = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  t.after(() => third.close());
  assert.deepEqual(
    third.pending().map((m) => m.seq),
    [2],
  );
});

test("a corrupt line in the middle is skipped with a warning naming its line number", (t) => {
  const dir = tempDir(t);
  const first = Outbox.open({ dir, maxMessages: 100, logger: silentLogger() });
  for (let i = 1; i <= 3; i++) first.append(samples(i));
  first.close();
  const path = join(dir, OUTBOX_FILE);
  const lines = readFileSync(path, "utf8").split("\n");
  // line 1 is the header; line 3 holds seq 2
  lines[2] = '{"seq":2,"msg":{"type":"sam\u0000ples"';
  writeFileSync(path, lines.join("\n"));

  const log = capturingLogger();
  const second = Outbox.open({ dir, maxMessages: 100, logger: log.logger });
  t.after(() => second.close());
  assert.deepEqual(
    second.pending().map((m) => m.seq),
    [1, 3],
  );
  const warning = log.lines().find((l) => l.level === 40 && /corrupt line 3\b/.test(l.msg));
  assert.ok(warning, `expected a warning naming line 3, got ${JSON.stringify(log.lines())}`);
  assert.equal(second.append(samples(4)).seq, 4);
});

test("the bound drops the oldest samples only, counts them, and never drops events", (t) => {
  const dir = tempDir(t);
  const drops: number[] = [];
  const log = capturingLogger();
  const clock = new ManualClock(0);
  const outbox = Outbox.open({ dir, maxMessages: 4, logger: log.logger, clock, onDrop: (n) => drops.push(n) });
  t.after(() => outbox.close());

  outbox.append(event("api")); // 1
  outbox.append(samples(2)); // 2
  outbox.append(event("db")); // 3
  outbox.append(samples(4)); // 4
  assert.equal(outbox.droppedTotal, 0);

  outbox.append(samples(5)); // drops 2
  assert.deepEqual(
    outbox.pending().map((m) => m.seq),
    [1, 3, 4, 5],
  );
  outbox.append(event("api")); // drops 4
  outbox.append(event("api")); // drops 5
  assert.deepEqual(
    outbox.pending().map((m) => m.seq),
    [1, 3, 6, 7],
  );
  assert.equal(outbox.droppedTotal, 3);
  assert.deepEqual(drops, [1, 1, 1]);

  // No samples left: events are kept beyond the bound, with one warning for the burst.
  outbox.append(event("api"));
  outbox.append(event("api"));
  assert.equal(outbox.size(), 6);
  assert.equal(outbox.droppedTotal, 3);
  assert.ok(outbox.pending().every((m) => m.type === "event"));
  const overBound = log.lines().filter((l) => /no samples left to drop/.test(l.msg));
  assert.equal(overBound.length, 1);

  // Drop log lines are rate-limited to one per 10 s: the first drop is logged at once, the
  // next three within 10 s wait, and the first line after 10 s carries their count plus its own.
  let dropLines = log.lines().filter((l) => /outbox full/.test(l.msg));
  assert.deepEqual(
    dropLines.map((l) => l.dropped),
    [1],
  );
  outbox.ack(9);
  outbox.append(samples(10));
  outbox.append(samples(11));
  outbox.append(samples(12));
  outbox.append(samples(13));
  outbox.append(samples(14)); // drops 10
  clock.advance(10_000);
  outbox.append(samples(15)); // drops 11
  dropLines = log.lines().filter((l) => /outbox full/.test(l.msg));
  assert.deepEqual(
    dropLines.map((l) => l.dropped),
    [1, 4],
  );

  // Dropped messages stay dropped after a restart.
  const reopened = Outbox.open({ dir, maxMessages: 4, logger: silentLogger() });
  t.after(() => reopened.close());
  assert.deepEqual(
    reopened.pending().map((m) => m.seq),
    [12, 13, 14, 15],
  );
});

test("compaction keeps pending messages, the seq counter and the outboxId, and shrinks the file", (t) => {
  const dir = tempDir(t);
  const path = join(dir, OUTBOX_FILE);
  const outbox = Outbox.open({ dir, maxMessages: 10_000, logger: silentLogger(), compactAfterBytes: 4096 });
  const outboxId = outbox.outboxId;
  for (let i = 1; i <= 100; i++) outbox.append(samples(i));
  const bytesBefore = readFileSync(path).length;
  outbox.ack(97); // 97 dead message lines + the ack vs 3 pending: compaction is due
  const bytesAfter = readFileSync(path).length;
  assert.ok(bytesAfter < bytesBefore / 10, `file did not shrink: ${bytesBefore} -> ${bytesAfter}`);
  assert.equal(readFileSync(path, "utf8").trim().split("\n").length, 1 + 3);
  assert.equal(existsSync(`${path}.tmp`), false);
  assert.equal(outbox.append(samples(101)).seq, 101);
  outbox.close();

  const reopened = Outbox.open({ dir, maxMessages: 10_000, logger: silentLogger() });
  t.after(() => reopened.close());
  assert.equal(reopened.outboxId, outboxId);
  assert.deepEqual(
    reopened.pending().map((m) => m.seq),
    [98, 99, 100, 101],
  );
  assert.equal(reopened.ackedSeq, 97);
  assert.equal(reopened.append(event("api")).seq, 102);
});

test("compaction with nothing pending still continues the seq counter", (t) => {
  const dir = tempDir(t);
  const outbox = Outbox.open({ dir, maxMessages: 10_000, logger: silentLogger(), compactAfterBytes: 1024 });
  for (let i = 1; i <= 50; i++) outbox.append(samples(i));
  outbox.ack(50);
  assert.equal(readFileSync(join(dir, OUTBOX_FILE), "utf8").trim().split("\n").length, 1);
  outbox.close();
  const reopened = Outbox.open({ dir, maxMessages: 10_000, logger: silentLogger() });
  t.after(() => reopened.close());
  assert.equal(reopened.size(), 0);
  assert.equal(reopened.append(samples(51)).seq, 51);
});

test("compaction waits until most of the file is dead and the file is big enough", () => {
  assert.equal(shouldCompact({ fileBytes: 2_000_000, recordLines: 300, pendingCount: 100, minBytes: 1 << 20 }), false);
  assert.equal(shouldCompact({ fileBytes: 2_000_000, recordLines: 301, pendingCount: 100, minBytes: 1 << 20 }), true);
  assert.equal(shouldCompact({ fileBytes: 500_000, recordLines: 1000, pendingCount: 0, minBytes: 1 << 20 }), false);
});

test("a new directory gets a new outboxId; reopening keeps it", (t) => {
  const a = Outbox.open({ dir: tempDir(t), maxMessages: 10, logger: silentLogger() });
  const dirB = tempDir(t);
  const b = Outbox.open({ dir: dirB, maxMessages: 10, logger: silentLogger() });
  assert.notEqual(a.outboxId, b.outboxId);
  assert.match(a.outboxId, /^[0-9a-f-]{36}$/);
  assert.equal(a.lastSeq, 0);
  a.close();
  b.close();
  const b2 = Outbox.open({ dir: dirB, maxMessages: 10, logger: silentLogger() });
  t.after(() => b2.close());
  assert.equal(b2.outboxId, b.outboxId);
});

test("an unreadable header starts a new outboxId but keeps the readable messages", (t) => {
  const dir = tempDir(t);
  const first = Outbox.open({ dir, maxMessages: 10, logger: silentLogger() });
  first.append(samples(1));
  first.append(event("api"));
  first.close();
  const path = join(dir, OUTBOX_FILE);
  const lines = readFileSync(path, "utf8").split("\n");
  lines[0] = "garbage";
  writeFileSync(path, lines.join("\n"));

  const log = capturingLogger();
  const second = Outbox.open({ dir, maxMessages: 10, logger: log.logger });
  t.after(() => second.close());
  assert.notEqual(second.outboxId, first.outboxId);
  assert.deepEqual(
    second.pending().map((m) => m.type),
    ["samples", "event"],
  );
  assert.ok(log.lines().some((l) => l.level === 40 && /header/.test(l.msg)));
  assert.equal(second.append(samples(3)).seq, 3);
});

test("an ack beyond the last seq moves numbering past it", (t) => {
  const dir = tempDir(t);
  const outbox = Outbox.open({ dir, maxMessages: 10, logger: silentLogger() });
  outbox.append(samples(1));
  outbox.ack(40);
  assert.equal(outbox.size(), 0);
  assert.equal(outbox.append(samples(2)).seq, 41);
  outbox.close();
  const reopened = Outbox.open({ dir, maxMessages: 10, logger: silentLogger() });
  t.after(() => reopened.close());
  assert.deepEqual(
    reopened.pending().map((m) => m.seq),
    [41],
  );
});

test("open rejects a bound that is not a positive integer", (t) => {
  assert.throws(() => Outbox.open({ dir: tempDir(t), maxMessages: 0, logger: silentLogger() }), /maxMessages must be a positive integer, got 0/);
});
