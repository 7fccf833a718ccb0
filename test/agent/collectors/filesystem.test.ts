import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, statfs } from "node:fs/promises";
import { join } from "node:path";
import {
  decodeMountField,
  FilesystemCollector,
  filesystemValues,
  parseMounts,
  selectMonitoredMounts,
  type FsStats,
} from "../../../src/agent/collectors/filesystem.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

const mounts = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
udev /dev devtmpfs rw,nosuid,relatime,size=8123456k,nr_inodes=2030864,mode=755 0 0
devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000 0 0
tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1630000k,mode=755 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0
/dev/loop3 /snap/core20/2318 squashfs ro,nodev,relatime,errors=continue 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0
/dev/sdb1 /media/usb\\040stick\\011tab\\134slash ext4 rw,relatime 0 0
overlay /var/lib/docker/overlay2/abc123/merged overlay rw,relatime,lowerdir=/x,upperdir=/y,workdir=/z 0 0
nsfs /run/docker/netns/1 nsfs rw 0 0
/dev/sdc1 /data xfs rw,relatime 0 0
/dev/sdd1 /data xfs rw,relatime 0 0
`;

test("decodeMountField turns the kernel's octal escapes back into characters", () => {
  assert.equal(decodeMountField("/mnt/my\\040disk"), "/mnt/my disk");
  assert.equal(decodeMountField("/a\\011b\\012c\\134d"), "/a\tb\nc\\d");
  assert.equal(decodeMountField("/plain"), "/plain");
});

test("parseMounts reads every entry with decoded fields", () => {
  const entries = parseMounts(mounts);
  assert.equal(entries.length, 14);
  assert.deepEqual(entries[9], { device: "/dev/sdb1", mountpoint: "/media/usb stick\ttab\\slash", fstype: "ext4" });
  assert.throws(() => parseMounts("/dev/sda1 /\n"), /line 1: expected "device mountpoint fstype \.\.\."/);
});

test("selectMonitoredMounts drops pseudo filesystems and container layers and keeps one entry per mountpoint", () => {
  const selected = selectMonitoredMounts(parseMounts(mounts));
  assert.deepEqual(
    selected.map((m) => `${m.device} ${m.mountpoint} ${m.fstype}`),
    ["/dev/nvme0n1p2 / ext4", "/dev/nvme0n1p1 /boot/efi vfat", "/dev/sdb1 /media/usb stick\ttab\\slash ext4", "/dev/sdd1 /data xfs"],
  );
  // Inside a container the root filesystem is an overlay, and it is the one to watch.
  const container = selectMonitoredMounts(parseMounts("overlay / overlay rw,lowerdir=/l 0 0\nproc /proc proc rw 0 0\n"));
  assert.deepEqual(container, [{ device: "overlay", mountpoint: "/", fstype: "overlay" }]);
});

test("filesystemValues computes size, user-available bytes and df's used ratio", () => {
  const stats: FsStats = { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 100, ffree: 40 };
  const values = filesystemValues(stats);
  assert.equal(values.sizeBytes, 4_096_000);
  assert.equal(values.freeBytes, 1_024_000);
  // used = blocks - bfree = 700; users can reach used + bavail = 950.
  assert.equal(values.usedRatio, 1 - 250 / 950);
  assert.equal(values.inodesFreeRatio, 0.4);
  assert.equal(filesystemValues({ ...stats, files: 0, ffree: 0 }).inodesFreeRatio, 1, "no inode accounting (btrfs)");
});

test("FilesystemCollector stats the real directories named in <procRoot>/mounts", async () => {
  const proc = await createProcFixture();
  try {
    const spaced = join(proc.root, "my disk");
    await mkdir(spaced);
    const missing = join(proc.root, "gone");
    const escaped = spaced.replace(/ /g, "\\040");
    await proc.write(
      "mounts",
      [
        `/dev/fake1 ${escaped} ext4 rw 0 0`,
        `/dev/fake2 ${missing.replace(/ /g, "\\040")} ext4 rw 0 0`,
        `tmpfs ${proc.root} tmpfs rw 0 0`,
        "",
      ].join("\n"),
    );
    const samples = await new FilesystemCollector({ procRoot: proc.root }).collect({ now: 9, node: "n" });
    const labels = { mountpoint: spaced, device: "/dev/fake1", fstype: "ext4" };
    const real = await statfs(spaced);
    assert.equal(valueOf(samples, "node_filesystem_size_bytes", labels), real.blocks * real.bsize);
    assert.ok(valueOf(samples, "node_filesystem_free_bytes", labels) >= 0);
    const used = valueOf(samples, "node_filesystem_used_ratio", labels);
    assert.ok(used >= 0 && used <= 1);
    const inodes = valueOf(samples, "node_filesystem_inodes_free_ratio", labels);
    assert.ok(inodes >= 0 && inodes <= 1);
    assert.equal(samples.length, 4, "the missing mountpoint and the tmpfs are skipped");
  } finally {
    await proc.cleanup();
  }
});

test("FilesystemCollector skips a mount whose statfs fails or hangs, and does not ask a hung one again", async () => {
  const proc = await createProcFixture();
  try {
    await proc.write("mounts", "/dev/a /ok ext4 rw 0 0\n/dev/b /denied ext4 rw 0 0\nserver:/x /nfs nfs4 rw 0 0\n");
    const stats: FsStats = { bsize: 1024, blocks: 100, bfree: 50, bavail: 40, files: 10, ffree: 5 };
    const calls: string[] = [];
    let nfsServerBack = false;
    let answerNfs: (s: FsStats) => void = () => {};
    const collector = new FilesystemCollector({
      procRoot: proc.root,
      statfsTimeoutMs: 50,
      statfs: (path) => {
        calls.push(path);
        if (path === "/denied") return Promise.reject(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }));
        if (path === "/nfs" && !nfsServerBack) return new Promise((resolve) => (answerNfs = resolve));
        return Promise.resolve(stats);
      },
    });

    const first = await collector.collect({ now: 1, node: "n" });
    assert.deepEqual([...new Set(first.map((s) => s.labels.mountpoint))], ["/ok"]);
    assert.equal(valueOf(first, "node_filesystem_size_bytes", { mountpoint: "/ok" }), 102_400);

    const second = await collector.collect({ now: 2, node: "n" });
    assert.deepEqual([...new Set(second.map((s) => s.labels.mountpoint))], ["/ok"]);
    assert.equal(calls.filter((p) => p === "/nfs").length, 1, "a statfs still hanging is not issued again");

    // The server comes back: the hung call finally answers, and the mount is asked again.
    nfsServerBack = true;
    answerNfs(stats);
    await new Promise((resolve) => setImmediate(resolve));
    const third = await collector.collect({ now: 3, node: "n" });
    assert.deepEqual([...new Set(third.map((s) => s.labels.mountpoint))], ["/ok", "/nfs"]);
    assert.equal(calls.filter((p) => p === "/nfs").length, 2);
  } finally {
    await proc.cleanup();
  }
});
