// A real process leaking memory under a declared limit is killed when it reaches it (as
// the OOM killer would): the incident is localized to the service with cause `memory`
// (its resident memory near the limit and rising, from the agent's service metrics),
// and the service is restarted and verified.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT, api, startCluster, waitFor, type Cluster } from "./harness.js";

const MB = 2 ** 20;
const LEAKY = join(REPO_ROOT, "test/fixtures/leaky-service.mjs");
let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    nodes: ["node-1"],
    config: () => `
agent:
  collectInterval: 500ms
services:
  - name: leaky
    node: node-1
    run: { command: "node ${LEAKY} ${16 * MB} ${160 * MB}" }
    health: { process: true, interval: 200ms, failures: 1 }
    limits: { memory: ${170 * MB} }
    recovery: quick
playbooks:
  quick:
    steps: [restart, { verify: { healthyFor: 1s, within: 20s } }, escalate]
`,
  });
});

after(() => cluster?.stop());

test("a leaking service killed at its memory limit: cause memory, restarted, verified", async () => {
  const { server } = cluster;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const incident: any = await waitFor(
    async () => (await api(server.url, "/api/v1/incidents")).incidents.find((i: { target: string; state: string }) => i.target === "leaky" && i.state === "resolved"),
    90_000,
    "the leaky incident resolved",
  );
  assert.equal(incident.cause, "memory", incident.rootCause);
  assert.match(incident.rootCause, /^root cause: leaky on node-1 — memory/);
  const restarts = (await api(server.url, `/api/v1/events?incident=${incident.id}&kind=action.succeeded`)).events;
  assert.equal(restarts[0]?.data.action, "restart");
});
