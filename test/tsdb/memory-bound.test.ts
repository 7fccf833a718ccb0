import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { CompressedSeriesStore } from "../../src/tsdb/compressed-store.js";
import type { Sample } from "../../src/protocol/messages.js";
import { ManualClock } from "../../src/util/clock.js";
import { seededRandom } from "./seeded-random.js";

const T0 = 1_700_000_000_000;

test("over maxMemoryBytes the oldest closed chunks leave memory, stay on disk and are read back for queries", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-tsdb-"));
  const path = join(dir, "tsdb.db");
  const clock = new ManualClock(T0);
  const maxMemoryBytes = 200_000;
  const store = CompressedSeriesStore.open({ path, clock, maxMemoryBytes, chunkMaxSamples: 64, downsampling: [] });
  try {
    const random = seededRandom(3);
    const model = new Map<string, [number, number][]>();
    for (let k = 0; k < 3000; k++) {
      const ts = T0 + k * 1000;
      clock.set(ts);
      const samples: Sample[] = [];
      for (let s = 0; s < 20; s++) {
        const value = s % 2 ? random.next() : Math.round(random.next() * 1e4) / 100;
        samples.push({ name: "m", labels: { s: String(s) }, ts, value });
        model.set(String(s), [...(model.get(String(s)) ?? []), [ts, value]]);
      }
      store.append(samples);
      if (k % 500 === 499) await store.flush();
    }
    await store.flush();
    const stats = store.stats();
    if (process.env.VIGIL_TSDB_DEBUG) console.log(stats);
    assert.ok(stats.rawClosedBytes > maxMemoryBytes, `the data (${stats.rawClosedBytes} bytes of closed chunks) is larger than the bound`);
    assert.ok(stats.memoryBytes <= maxMemoryBytes, `memory estimate ${stats.memoryBytes} is within the bound ${maxMemoryBytes}`);
    assert.ok(stats.residentChunkBytes > 0, "the newest closed chunks stay in memory");

    for (const [s, points] of model) {
      assert.deepEqual(store.range("m", { s }, 0, Infinity)[0]!.points.map((p) => [p.ts, p.value]), points, `series ${s} read back whole`);
    }

    // Without the chunks on disk, the last 100 s are still answered (from memory); the oldest is not.
    const db = new Database(path);
    db.prepare("DELETE FROM chunks").run();
    db.close();
    const newest = store.range("m", { s: "3" }, T0 + 2900_000, T0 + 2999_000)[0]!.points;
    assert.deepEqual(newest.map((p) => [p.ts, p.value]), model.get("3")!.filter(([ts]) => ts >= T0 + 2900_000));
    assert.throws(() => store.range("m", { s: "3" }, T0, T0 + 60_000), /missing from the series store file/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
