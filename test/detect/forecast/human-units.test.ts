import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatBytes,
  formatDurationHuman,
  formatQuantity,
  formatRate,
  formatRatio,
  unitOfMetric,
} from "../../../src/detect/forecast/human-units.js";
import { describeExhaustion } from "../../../src/detect/forecast/resource-phrases.js";

test("bytes read in B, KB, MB, GB with one decimal below 10", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(2.1 * 2 ** 20), "2.1 MB");
  assert.equal(formatBytes(37.4 * 2 ** 20), "37 MB");
  assert.equal(formatBytes(40 * 2 ** 30), "40 GB");
  assert.equal(formatBytes(3 * 2 ** 40), "3 TB");
  // 1023.96 bytes would print as "1024 B"; it reads as 1 KB instead.
  assert.equal(formatBytes(1023.96), "1 KB");
  assert.equal(formatBytes(-5 * 2 ** 20), "-5 MB");
  assert.equal(formatBytes(NaN), "NaN");
});

test("ratios read in percent, other quantities with three significant digits", () => {
  assert.equal(formatRatio(0.953), "95.3%");
  assert.equal(formatRatio(1), "100%");
  assert.equal(formatQuantity(0.95, "ratio"), "95%");
  assert.equal(formatQuantity(2 ** 30, "bytes"), "1 GB");
  assert.equal(formatQuantity(1234.5678, "number"), "1230");
  assert.equal(unitOfMetric("node_filesystem_free_bytes"), "bytes");
  assert.equal(unitOfMetric("node_swap_used_ratio"), "ratio");
  assert.equal(unitOfMetric("service_open_fds"), "number");
});

test("rates carry their sign and the period in which they read best", () => {
  assert.equal(formatRate(-2.1 * 2 ** 20, "bytes"), "−2.1 MB/s");
  assert.equal(formatRate(300 * 1024, "bytes"), "+300 KB/s");
  assert.equal(formatRate(0.5, "bytes"), "+30 B/min");
  assert.equal(formatRate(0.0001, "ratio"), "+36 %/h");
  assert.equal(formatRate(0.001, "ratio"), "+6 %/min");
  assert.equal(formatRate(-0.000001, "ratio"), "−0.36 %/h");
  assert.equal(formatRate(0.001, "number"), "+3.6/h");
  assert.equal(formatRate(12, "number"), "+12/s");
  assert.equal(formatRate(0, "bytes"), "0 B/s");
});

test("durations are rounded to what matters at their size", () => {
  assert.equal(formatDurationHuman(0), "0 s");
  assert.equal(formatDurationHuman(45_400), "45 s");
  assert.equal(formatDurationHuman(89_000), "89 s");
  assert.equal(formatDurationHuman(37 * 60_000 + 10_000), "37 min");
  assert.equal(formatDurationHuman(89 * 60_000), "89 min");
  assert.equal(formatDurationHuman(5 * 3_600_000 + 20 * 60_000), "5 h 20 min");
  assert.equal(formatDurationHuman(2 * 3_600_000), "2 h");
  assert.equal(formatDurationHuman(3 * 86_400_000 + 4 * 3_600_000 + 10 * 60_000), "3 d 4 h");
  assert.equal(formatDurationHuman(Infinity), "Infinity");
});

test("known resources are named by their labels; other metrics by name and labels", () => {
  const fs = { mountpoint: "/", node: "a", device: "/dev/vda", fstype: "ext4" };
  assert.deepEqual(describeExhaustion("node_filesystem_free_bytes", fs, 0, "down"), {
    subject: "`/` on node a",
    phrase: { future: "will be full", present: "is full" },
  });
  assert.equal(describeExhaustion("node_filesystem_used_ratio", fs, 1, "up").phrase.future, "will be full");
  assert.deepEqual(describeExhaustion("node_filesystem_free_bytes", fs, 2 ** 30, "down"), {
    subject: "free space of `/` on node a",
    phrase: { future: "will fall to 1 GB", present: "is at or below 1 GB" },
  });
  assert.equal(describeExhaustion("node_filesystem_used_ratio", fs, 0.95, "up").phrase.future, "will reach 95%");
  assert.equal(describeExhaustion("node_filesystem_inodes_free_ratio", fs, 0, "down").phrase.future, "will run out of inodes");
  assert.equal(describeExhaustion("node_memory_available_bytes", { node: "a" }, 0, "down").subject, "memory of node a");
  assert.equal(describeExhaustion("node_swap_used_ratio", { node: "b" }, 1, "up").subject, "swap of node b");
  assert.deepEqual(describeExhaustion("service_memory_rss_bytes", { service: "api", node: "a" }, 2 * 2 ** 30, "up"), {
    subject: "memory of service api on node a",
    phrase: { future: "will reach 2 GB", present: "is at or above 2 GB" },
  });
  assert.equal(describeExhaustion("queue_depth", { queue: "jobs", node: "a" }, 1000, "up").subject, "queue_depth on queue jobs, node a");
});
