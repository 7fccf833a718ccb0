import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryCollector, parseMemInfo } from "../../../src/agent/collectors/memory.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

const meminfo = `MemTotal:        8000000 kB
MemFree:          500000 kB
MemAvailable:    2000000 kB
Buffers:          100000 kB
Cached:          1200000 kB
SwapCached:            0 kB
Active:          4000000 kB
SwapTotal:       1000000 kB
SwapFree:         750000 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
DirectMap4k:      200000 kB
`;

test("parseMemInfo converts kB (KiB) to bytes", () => {
  assert.deepEqual(parseMemInfo(meminfo), {
    totalBytes: 8000000 * 1024,
    availableBytes: 2000000 * 1024,
    swapTotalBytes: 1000000 * 1024,
    swapFreeBytes: 750000 * 1024,
  });
});

test("parseMemInfo estimates MemAvailable on kernels without it and requires MemTotal", () => {
  const old = meminfo.replace(/^MemAvailable:.*\n/m, "");
  assert.equal(parseMemInfo(old).availableBytes, (500000 + 100000 + 1200000) * 1024);
  assert.throws(() => parseMemInfo("MemFree: 10 kB\n"), /MemTotal is missing or zero/);
  assert.throws(() => parseMemInfo("MemTotal: lots kB\n"), /MemTotal: expected a non-negative number, got "lots"/);
});

test("MemoryCollector reports bytes and used ratios", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("meminfo", meminfo);
    const samples = await new MemoryCollector(proc.root).collect({ now: 5, node: "n" });
    assert.equal(valueOf(samples, "node_memory_total_bytes"), 8192000000);
    assert.equal(valueOf(samples, "node_memory_available_bytes"), 2048000000);
    assert.equal(valueOf(samples, "node_memory_used_ratio"), 0.75);
    assert.equal(valueOf(samples, "node_swap_total_bytes"), 1024000000);
    assert.equal(valueOf(samples, "node_swap_free_bytes"), 768000000);
    assert.equal(valueOf(samples, "node_swap_used_ratio"), 0.25);
  } finally {
    await proc.cleanup();
  }
});

test("MemoryCollector reports a swap used ratio of 0 when there is no swap", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("meminfo", meminfo.replace("SwapTotal:       1000000", "SwapTotal:       0").replace("SwapFree:         750000", "SwapFree: 0"));
    const samples = await new MemoryCollector(proc.root).collect({ now: 5, node: "n" });
    assert.equal(valueOf(samples, "node_swap_total_bytes"), 0);
    assert.equal(valueOf(samples, "node_swap_used_ratio"), 0);
  } finally {
    await proc.cleanup();
  }
});
