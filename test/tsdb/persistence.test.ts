import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import type { Sample } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { ingestValue } from "./fixtures/ingest-values.js";
import { seededRandom } from "./seeded-random.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "ingest-child.js");

function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "vigil-tsdb-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

test("a closed and reopened store gives back every series, sample and downsampled bucket", async () => {
  const dir = tempDir();
  try {
    const clock = new ManualClock(1_700_000_000_000);
    const options = { path: join(dir.path, "tsdb.db"), clock, chunkMaxSamples: 30, retentionMs: 3_600_000 };
    let store = CompressedSeriesStore.open(options);
    const random = seededRandom(9);
    const start = clock.now();
    for (let k = 0; k < 1000; k++) {
      const samples: Sample[] = [];
      for (let s = 0; s < 12; s++) {
        if (random.next() < 0.2) continue;
        samples.push({ name: s % 2 ? "a" : "b", labels: { s: String(s) }, ts: start + k * 7000 + s, value: random.next() < 0.5 ? k : random.next() });
      }
      clock.set(start + k * 7000 + 100);
      store.append(samples);
      if (k % 97 === 0) await store.flush();
    }
    const snapshot = (s: CompressedSeriesStore) => ({
      find: s.find().map((r) => JSON.stringify(r)).sort(),
      raw: ["a", "b"].map((name) => s.range(name, {}, 0, Infinity)),
      minutes: ["a", "b"].map((name) => s.range(name, {}, 0, Infinity, { aggregate: "max" })),
      latest: s.latest("a", {}, 0),
      samples: s.stats().samples,
    });
    // Only the last hour is raw: the rest comes from downsampled buckets, which must also come back.
    // (The checkpoint first lets retention drop the raw chunks that expired, as reopening does.)
    await store.flush();
    const before = snapshot(store);
    const firstPoint = before.raw[0]![0]!.points[0]!;
    assert.equal(firstPoint.ts % 60_000, 0, "the oldest part is read from 1-minute buckets");
    assert.ok(before.raw[0]![0]!.points.length > 400);
    await store.close();
    store = CompressedSeriesStore.open(options);
    assert.deepEqual(snapshot(store), before);
    // And appending continues where it stopped: an old ts is still a duplicate.
    const last = before.latest[0]!;
    assert.deepEqual(store.append([{ name: "a", labels: last.labels, ts: last.ts, value: 0 }]), { accepted: 0, rejected: 1 });
    await store.close();
  } finally {
    dir.remove();
  }
});

test("kill -9 while ingesting: on reopen every series is an exact prefix holding at least every generation reported durable", async () => {
  const dir = tempDir();
  const path = join(dir.path, "tsdb.db");
  const seriesCount = 150;
  const child = spawn(process.execPath, [CHILD, path, String(seriesCount)], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let base = Number.NaN;
    let lastDurable = 0;
    let durableReports = 0;
    let errors = "";
    child.stderr.on("data", (d) => (errors += d));
    let pending = "";
    const enoughReported = new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the ingesting child exited early (${code}): ${errors}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) {
          const [word, number] = line.split(" ");
          if (word === "base") base = Number(number);
          if (word === "durable") {
            lastDurable = Math.max(lastDurable, Number(number));
            if (++durableReports >= 8) resolve();
          }
        }
      });
    });
    await enoughReported;
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    assert.ok(lastDurable > 0 && Number.isFinite(base));

    const store = CompressedSeriesStore.open({ path });
    try {
      const series = store.range("ingest", {}, 0, Infinity);
      assert.equal(series.length, seriesCount, "every series is back");
      for (const s of series) {
        const i = Number(s.labels.series);
        const points = s.points;
        if (process.env.VIGIL_TSDB_DEBUG) console.log(`series ${i}: ${points.length} back, ${lastDurable} durable`);
        assert.ok(points.length >= lastDurable, `series ${i}: ${points.length} batches back, but generation ${lastDurable} was reported durable`);
        points.forEach((p, j) => {
          const k = j + 1;
          if (p.ts !== base + 10 * k || !Object.is(p.value, ingestValue(i, k))) {
            assert.fail(`series ${i}, sample ${j}: got (${p.ts}, ${p.value}), want (${base + 10 * k}, ${ingestValue(i, k)})`);
          }
        });
      }
      // The store accepts where each series stopped.
      const next = series[0]!.points.length + 1;
      assert.equal(store.append([{ name: "ingest", labels: { series: series[0]!.labels.series! }, ts: base + 10 * next, value: 1 }]).accepted, 1);
    } finally {
      await store.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    dir.remove();
  }
});

test("a file that is not a series store is refused with its path", () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, "tsdb.db");
    writeFileSync(path, "this is not a database, just text that is long enough to have a header ".repeat(20));
    assert.throws(() => CompressedSeriesStore.open({ path }), (err: Error) => err.message.startsWith(`cannot open the series store at ${path}`));
  } finally {
    dir.remove();
  }
});
