// The partition fault's guard, in real network namespaces: an agent in a named namespace
// (`ip netns exec`, as the demo runs them — where /proc/1/ns/net cannot be read) may cut
// it; an agent in the host's namespace may not. Needs root and iproute2: skipped loudly
// without them, unless VIGIL_REQUIRE_NETNS=1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { partitionUnavailableReason } from "../../src/chaos/faults/partition.js";
import { netnsGate } from "../../src/demo/netns-lab.js";

const gate = netnsGate("the partition fault's namespace guard");
const PARTITION = fileURLToPath(new URL("../../src/chaos/faults/partition.js", import.meta.url));
const namespace = `vgl-test-${process.pid}-${randomBytes(2).toString("hex")}`;

before(() => {
  if (gate.skip) return;
  gate.assertAvailable();
  const added = spawnSync("ip", ["netns", "add", namespace], { encoding: "utf8" });
  assert.equal(added.status, 0, added.stderr);
});
after(() => {
  if (!gate.skip) spawnSync("ip", ["netns", "del", namespace]);
});

test("an agent in a named network namespace may be partitioned; one in the host's may not", { skip: gate.skip }, () => {
  const inside = spawnSync(
    "ip",
    ["netns", "exec", namespace, process.execPath, "--input-type=module", "-e", `import { partitionUnavailableReason } from ${JSON.stringify(PARTITION)}; console.log(JSON.stringify(partitionUnavailableReason()));`],
    { encoding: "utf8" },
  );
  assert.equal(inside.status, 0, inside.stderr);
  assert.equal(JSON.parse(inside.stdout.trim()), null);
  // The host's namespace: refused, whether /proc/1/ns/net can be read here or not.
  assert.match(partitionUnavailableReason() ?? "", /host's own network namespace|cannot be told apart from the host's/);
});
