// A short game day on real processes: the demo's web → api → db (one server, two agents,
// the demo service program), faults injected through the API by the game-day runner —
// kill, hang, memory growth to the limit, and db killed (a dependency cascade) — each
// recovered, localized to the right root, and the report's fields filled in. Every fault
// is reverted at the end (the runner stops what is still active).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { demoConfigYaml } from "../../src/demo/demo-config.js";
import { runGameday } from "../../src/chaos/gameday/gameday-runner.js";
import { reportMarkdown, type GamedayReport } from "../../src/chaos/gameday/gameday-report.js";
import { parseScenario } from "../../src/chaos/gameday/scenario.js";
import { api, freePortBlock, startCluster, tempDir, type Cluster } from "./harness.js";

const SERVICE_SCRIPT = fileURLToPath(new URL("../../src/demo/services/demo-service.js", import.meta.url));
let cluster: Cluster;
const data = tempDir("vigil-gameday-");

before(async () => {
  const basePort = await freePortBlock();
  cluster = await startCluster({
    nodes: ["node-a", "node-c"],
    healthy: ["web", "api", "db"],
    config: (hookUrl) =>
      demoConfigYaml({
        addressOf: { "node-a": "127.0.0.1", "node-b": "127.0.0.1", "node-c": "127.0.0.1" },
        serviceScript: SERVICE_SCRIPT,
        dataDir: data.path,
        listen: "127.0.0.1:0",
        basePort,
        only: ["web", "api", "db"],
        nodes: ["node-a", "node-c"],
        extra: { notify: { receivers: { hook: { webhook: { url: hookUrl } } }, routes: [{ receiver: "hook" }], groupWait: "0s" } },
      }),
  });
});

after(async () => {
  await cluster?.stop();
  data.remove();
});

// Order matters for an honest reading: the localizer keeps a component's evidence for 15
// minutes, so a service killed earlier stays a candidate for its dependents' later faults.
// Each fault here hits a component with no earlier fault of its own, except the last kill
// (api, after its memory fault). The memory fault's cause is not asserted: on a loaded
// machine the localizer names it "crash" (the OOM kill) as often as "memory" — a finding of
// this game day, reported, not hidden (the demo's own run names it memory).
const SCENARIO = `
name: e2e
settle: 1s
calmWithin: 30s
faults:
  - { name: web hangs, fault: hang, target: web, duration: 30s, expect: { root: web, cause: hang, steps: [kill], recoverWithin: 30s } }
  - { name: api leaks, fault: memory, target: api, duration: 40s, options: { rate: 15MB/s }, expect: { root: api, steps: [restart], recoverWithin: 40s } }
  - { name: db killed, fault: kill, target: db, duration: 10s, expect: { root: db, cause: crash, steps: [restart], recoverWithin: 40s } }
  - { name: api killed, fault: kill, target: api, duration: 10s, expect: { root: api, steps: [restart], recoverWithin: 30s } }
`;

test("a game day of kill, hang, memory growth and a db cascade: all recovered, roots correct, report complete", async () => {
  const lines: string[] = [];
  const report: GamedayReport = await runGameday({ server: cluster.server.url, scenario: parseScenario(SCENARIO), log: (l) => lines.push(l), pollMs: 250, settledMs: 1500 });
  const explain = `${reportMarkdown(report)}\n${lines.join("\n")}`;
  assert.equal(report.results.length, 4, explain);
  for (const r of report.results) {
    assert.equal(r.passed, true, `${r.name}: ${r.failures.join("; ")}\n${explain}`);
    assert.ok(r.injectedAt! > 0 && r.incidentId !== null, explain);
    assert.ok(r.firstSignalAt! >= r.injectedAt! - 500, `${r.name}: first signal before the injection\n${explain}`);
    assert.ok(r.mttdMs !== null && r.mttlMs !== null && r.mttrMs !== null, explain);
    assert.ok(r.mttdMs <= r.mttrMs, explain);
    assert.equal(r.localizedCorrectly, true, explain);
  }
  const [hang, memory, cascade, kill] = report.results;
  assert.equal(kill!.localizedRoot, "service:api");
  assert.equal(hang!.cause, "hang");
  assert.ok(hang!.actions.some((a) => a.action === "kill" && a.ok), explain);
  assert.equal(memory!.localizedRoot, "service:api", explain);
  assert.ok(memory!.cause === "memory" || memory!.cause === "crash", explain);
  assert.equal(cascade!.localizedRoot, "service:db", explain);
  assert.ok(cascade!.notifications >= 1, `the db incident was notified\n${explain}`);
  assert.equal(report.totals.faults, 4);
  assert.equal(report.totals.localizationAccuracy, 1);
  assert.deepEqual(report.totals.byFault.map((t) => t.fault).sort(), ["hang", "kill", "memory"]);
  assert.match(reportMarkdown(report), /\| db killed \(kill\) \| db \|/);

  // Every injection ended reverted, and the report can be stored and read back.
  const { injections } = await api(cluster.server.url, "/api/v1/chaos");
  assert.equal(injections.length, 4);
  for (const i of injections) assert.equal(i.state, "reverted", JSON.stringify(i));
  const posted = await fetch(`${cluster.server.url}/api/v1/gamedays`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ report, markdown: reportMarkdown(report) }),
  }).then((r) => r.json() as Promise<{ id: number }>);
  const stored = await api(cluster.server.url, `/api/v1/gamedays/${posted.id}`);
  assert.equal(stored.report.scenario, "e2e");
  const journal = await api(cluster.server.url, "/api/v1/events?kind=chaos.injected,chaos.reverted");
  assert.equal(journal.events.filter((e: { kind: string }) => e.kind === "chaos.injected").length, 4);
  assert.ok(join(data.path) !== "");
});
