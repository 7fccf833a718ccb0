import { test } from "node:test";
import assert from "node:assert/strict";
import { NetworkCollector, parseNetDev } from "../../../src/agent/collectors/network.js";
import { createProcFixture, valueOf } from "./proc-fixture.js";

function netDev(eth0: { rxBytes: number; rxErrs: number; txBytes: number; txErrs: number }, loBytes: number): string {
  return [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    `    lo: ${loBytes}      29    0    0    0     0          0         0 ${loBytes}      29    0    0    0     0       0          0`,
    // Old kernels print no space after the colon once the byte count fills the column.
    `  eth0:${eth0.rxBytes}   11127 ${eth0.rxErrs}    0    0     0          0         0 ${eth0.txBytes}    8864 ${eth0.txErrs}    0    0     0       0          0`,
    "",
  ].join("\n");
}

test("parseNetDev reads bytes and errors per interface, loopback included", () => {
  const interfaces = parseNetDev(netDev({ rxBytes: 178354129, rxErrs: 3, txBytes: 904081, txErrs: 1 }, 3193));
  assert.deepEqual(interfaces, [
    { device: "lo", receiveBytes: 3193, receiveErrors: 0, transmitBytes: 3193, transmitErrors: 0 },
    { device: "eth0", receiveBytes: 178354129, receiveErrors: 3, transmitBytes: 904081, transmitErrors: 1 },
  ]);
  assert.throws(() => parseNetDev("eth0: 1 2 3\n"), /eth0: expected 16 counters, got 3/);
  assert.throws(() => parseNetDev("no colon here\n"), /expected "interface: counters"/);
});

test("NetworkCollector reports per-second rates and skips a counter that went down once", async () => {
  const proc = await createProcFixture();
  try {
    const collector = new NetworkCollector(proc.root);
    await proc.write("net/dev", netDev({ rxBytes: 1_000_000, rxErrs: 10, txBytes: 500_000, txErrs: 0 }, 100));
    assert.deepEqual(await collector.collect({ now: 0, node: "n" }), []);

    // 4 s later: +4 MB received, +40 errors; transmit counter reset (driver reloaded).
    await proc.write("net/dev", netDev({ rxBytes: 5_000_000, rxErrs: 50, txBytes: 1_000, txErrs: 0 }, 900));
    const samples = await collector.collect({ now: 4_000, node: "n" });
    assert.equal(valueOf(samples, "node_network_receive_bytes_per_second", { device: "eth0" }), 1_000_000);
    assert.equal(valueOf(samples, "node_network_receive_errors_per_second", { device: "eth0" }), 10);
    assert.equal(valueOf(samples, "node_network_transmit_errors_per_second", { device: "eth0" }), 0);
    assert.equal(samples.filter((s) => s.name === "node_network_transmit_bytes_per_second" && s.labels.device === "eth0").length, 0);
    assert.equal(valueOf(samples, "node_network_receive_bytes_per_second", { device: "lo" }), 200);
    assert.equal(valueOf(samples, "node_network_transmit_bytes_per_second", { device: "lo" }), 200);
    assert.ok(samples.every((s) => s.value >= 0));

    await proc.write("net/dev", netDev({ rxBytes: 5_000_000, rxErrs: 50, txBytes: 201_000, txErrs: 0 }, 900));
    const after = await collector.collect({ now: 6_000, node: "n" });
    assert.equal(valueOf(after, "node_network_transmit_bytes_per_second", { device: "eth0" }), 100_000);
  } finally {
    await proc.cleanup();
  }
});

test("NetworkCollector gives no rate when no time has passed", async () => {
  const proc = await createProcFixture();
  try {
    const collector = new NetworkCollector(proc.root);
    await proc.write("net/dev", netDev({ rxBytes: 1, rxErrs: 0, txBytes: 1, txErrs: 0 }, 1));
    await collector.collect({ now: 500, node: "n" });
    assert.deepEqual(await collector.collect({ now: 500, node: "n" }), []);
  } finally {
    await proc.cleanup();
  }
});
