import { test } from "node:test";
import assert from "node:assert/strict";
import { DiskIoCollector, parseDiskStats, selectWholeDisks } from "../../../src/agent/collectors/diskio.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

// major minor name | reads merged sectors_read ms | writes merged sectors_written ms | in_flight io_ms weighted_ms | discard... | flush...
function diskstats(vdaRead: number, vdaWritten: number, nvmeRead: number, nvmeWritten: number): string {
  return [
    "   7       0 loop0 57 0 2170 10 0 0 0 0 0 20 10 0 0 0 0 0 0",
    "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
    ` 254       0 vda 14660 5390 ${vdaRead} 8664 2695 22007 ${vdaWritten} 2257 0 4008 12886 12058 23 353536 1962 3 2`,
    " 254       1 vda1 14000 5000 1300000 8000 2600 22000 890000 2200 0 3900 12000 12000 23 353536 1900 0 0",
    ` 259       0 nvme0n1 900 10 ${nvmeRead} 300 500 20 ${nvmeWritten} 700 0 800 1000 0 0 0 0`,
    " 259       1 nvme0n1p1 800 10 9000 300 500 20 4000 700 0 800 1000 0 0 0 0",
    " 259       2 nvme0n10 5 0 40 1 0 0 0 0 0 1 1 0 0 0 0",
    " 259       3 nvme0n10p1 5 0 40 1 0 0 0 0 0 1 1 0 0 0 0",
    " 253       0 dm-0 100 0 800 10 50 0 400 5 0 15 15",
    "",
  ].join("\n");
}

test("parseDiskStats reads sectors read and written per device", () => {
  const disks = parseDiskStats(diskstats(1000, 2000, 3000, 4000));
  assert.equal(disks.length, 9);
  assert.deepEqual(disks[2], { device: "vda", readSectors: 1000, writeSectors: 2000 });
  assert.deepEqual(disks[8], { device: "dm-0", readSectors: 800, writeSectors: 400 });
  assert.throws(() => parseDiskStats(" 8 0 sda 1 2 3\n"), /expected at least 14 fields per line, got "8 0 sda 1 2 3"/);
  assert.throws(() => parseDiskStats(" 8 0 sda 1 2 -3 4 5 6 7 8 9 10 11\n"), /sda sectors read/);
});

test("selectWholeDisks drops loop and ram devices and partitions of listed disks", () => {
  const names = (devices: string[]) => selectWholeDisks(devices.map((device) => ({ device }))).map((d) => d.device);
  assert.deepEqual(names(parseDiskStats(diskstats(0, 0, 0, 0)).map((d) => d.device)), ["vda", "nvme0n1", "nvme0n10", "dm-0"]);
  assert.deepEqual(names(["sda", "sda1", "sda12", "sdaa", "sdaa1", "mmcblk0", "mmcblk0p1", "md127"]), ["sda", "sdaa", "mmcblk0", "md127"]);
  // A partition whose disk is not listed (a container seeing only its partition) is kept.
  assert.deepEqual(names(["xvda1"]), ["xvda1"]);
});

test("DiskIoCollector reports bytes per second from two readings, and skips a counter that went down", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("diskstats", diskstats(1000, 2000, 50_000, 60_000));
    const collector = new DiskIoCollector(proc.root);
    assert.deepEqual(await collector.collect({ now: 10_000, node: "n" }), []);

    // 2 s later: vda read 4000 sectors (2,048,000 bytes) and wrote 1000; nvme0n1 was reset.
    await proc.write("diskstats", diskstats(5000, 3000, 10, 60_000));
    const samples = await collector.collect({ now: 12_000, node: "n" });
    assert.equal(valueOf(samples, "node_disk_read_bytes_per_second", { device: "vda" }), 1_024_000);
    assert.equal(valueOf(samples, "node_disk_write_bytes_per_second", { device: "vda" }), 256_000);
    assert.equal(samples.filter((s) => s.name === "node_disk_read_bytes_per_second" && s.labels.device === "nvme0n1").length, 0);
    assert.equal(valueOf(samples, "node_disk_write_bytes_per_second", { device: "nvme0n1" }), 0);
    assert.ok(samples.every((s) => s.value >= 0 && !["vda1", "loop0", "ram0", "nvme0n1p1"].includes(s.labels.device!)));

    // The reset value is the new base: the next interval has a rate again.
    await proc.write("diskstats", diskstats(5000, 3000, 1010, 60_000));
    const after = await collector.collect({ now: 13_000, node: "n" });
    assert.equal(valueOf(after, "node_disk_read_bytes_per_second", { device: "nvme0n1" }), 512_000);
  } finally {
    await proc.cleanup();
  }
});
