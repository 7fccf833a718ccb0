// The dashboard's endpoints on a real server started in this process (real socket, real
// SQLite and series store, a manual clock): a node's charts with forecast lines and markers,
// a service's history, an incident's charts around its onset, the live event stream and the
// dashboard's own files.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { M, S, T, addIncident, startInProcessServer, writeTopologyHistory, type InProcessServer } from "./availability-fixture.js";

let vigil: InProcessServer;

before(async () => {
  vigil = await startInProcessServer();
  const { server } = vigil;
  await writeTopologyHistory(server);
  const samples = [];
  // Half an hour of node-a: memory climbing steadily towards full, two NICs and loopback.
  for (let ts = T - 30 * M; ts <= T; ts += 10 * S) {
    const k = (ts - (T - 30 * M)) / (30 * M);
    samples.push({ name: "node_memory_used_ratio", labels: { node: "node-a" }, ts, value: 0.5 + 0.3 * k });
    samples.push({ name: "node_cpu_usage_ratio", labels: { node: "node-a" }, ts, value: 0.25 });
    samples.push({ name: "node_network_receive_bytes_per_second", labels: { node: "node-a", device: "eth0" }, ts, value: 100 });
    samples.push({ name: "node_network_receive_bytes_per_second", labels: { node: "node-a", device: "eth1" }, ts, value: 50 });
    samples.push({ name: "node_network_receive_bytes_per_second", labels: { node: "node-a", device: "lo" }, ts, value: 1000 });
    samples.push({ name: "service_probe_duration_seconds", labels: { node: "node-a", service: "api" }, ts, value: 0.02 });
  }
  assert.equal(server.store.append(samples).rejected, 0);
  await server.storage.appendEvent({
    ts: T - 5 * M,
    kind: "alert.firing",
    node: "node-a",
    data: { labels: { alertname: "MemoryAnomaly", node: "node-a" }, annotations: { summary: "memory unusual", probability: "0.97" } },
  });
});

after(async () => {
  await vigil.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(vigil.server.url + path);
  return { status: res.status, body: await res.json() };
}

test("a node's charts: series on one grid, loopback left out of network, a forecast line to exhaustion, markers", async () => {
  const { status, body } = await get("/api/v1/nodes/node-a/charts?range=1h");
  assert.equal(status, 200);
  assert.equal(body.range, "1h");
  assert.equal(body.to, T);
  assert.equal(body.x.length, 240);
  const chart = (id: string) => body.charts.find((c: { id: string }) => c.id === id);
  assert.deepEqual(body.charts.map((c: { id: string }) => c.id), ["cpu", "memory", "disk", "net-rx", "net-tx", "phi"]);
  for (const c of body.charts) for (const s of c.series) assert.equal(s.values.length, body.x.length);
  assert.equal(chart("cpu").series[0].values.at(-1), 0.25);
  assert.equal(chart("cpu").series[0].values[0], null, "no samples an hour ago");
  assert.deepEqual(chart("net-rx").series.map((s: { label: string }) => s.label), ["received"]);
  assert.equal(chart("net-rx").series[0].values.at(-1), 150);
  assert.deepEqual(chart("disk").series, []);

  const [forecast] = chart("memory").forecasts;
  assert.equal(forecast.state, "exhausting");
  // 0.8 now, rising 0.3 per 30 min: full in 20 minutes.
  assert.ok(Math.abs(forecast.etaMs - 20 * M) < 30 * S, `eta ${forecast.etaMs}`);
  assert.ok(forecast.confidence >= 0.5);
  assert.deepEqual(forecast.line[0], [T, forecast.line[0][1]]);
  assert.ok(Math.abs(forecast.line[0][1] - 0.8) < 0.01);
  // Drawn a quarter of the range ahead (15 min), not all the way to the crossing.
  assert.equal(forecast.line[1][0], T + 15 * M);

  assert.deepEqual(body.markers, [{ ts: T - 5 * M, kind: "anomaly", text: "MemoryAnomaly: memory unusual" }]);
});

test("node charts name a bad range or an unknown node", async () => {
  assert.deepEqual(await get("/api/v1/nodes/node-a/charts?range=5y"), { status: 400, body: { error: 'invalid query: range: expected one of 15m, 1h, 6h, 24h, 7d, got "5y"' } });
  assert.deepEqual(await get("/api/v1/nodes/node-a/charts?rang=1h"), { status: 400, body: { error: 'invalid query: unknown parameter "rang"' } });
  assert.deepEqual(await get("/api/v1/nodes/nope/charts"), { status: 404, body: { error: 'no node "nope": none by that name has connected' } });
});

test("a service's history: health strip, latency chart, dependencies both ways, playbook, incidents", async () => {
  const { status, body } = await get("/api/v1/services/api/history?range=6h");
  assert.equal(status, 200);
  // api went down 3 h ago for 6m20s (writeTopologyHistory).
  const down = body.strip.segments.filter((s: { state: string }) => s.state === "unhealthy");
  assert.deepEqual(down, [{ from: T - 3 * 3_600_000 + 10 * S, to: T - 3 * 3_600_000 + 6 * M + 30 * S, state: "unhealthy" }]);
  assert.ok(Math.abs(body.strip.shares.unhealthy - (6 * M + 20 * S) / (6 * 3_600_000)) < 1e-9);
  assert.deepEqual(body.dependencies, ["db"]);
  assert.deepEqual(body.dependents, ["web"]);
  assert.equal(body.playbook.name, "default");
  assert.ok(body.playbook.steps.includes("restart"), JSON.stringify(body.playbook.steps));
  assert.equal(body.charts.charts[0].id, "latency");
  assert.equal(body.charts.charts[0].series[0].values.at(-1), 0.02);
  assert.deepEqual(body.incidents.map((i: { key: string }) => i.key), ["service:db"], "api was a member of db's incident");
  assert.deepEqual((await get("/api/v1/services/nope/history")).status, 404);
});

test("an incident's charts run from before its first signal to after it resolved, with its timeline as markers", async () => {
  const incident = await addIncident(vigil.server, { key: "service:api", firstSignalAt: T - 20 * M, resolvedAt: T - 15 * M, rootKey: "service:api" });
  await vigil.server.storage.appendEvent({ ts: T - 19 * M, kind: "incident.opened", incidentId: incident.id, service: "api", data: {} });
  const { status, body } = await get(`/api/v1/incidents/${incident.id}/charts`);
  assert.equal(status, 200);
  assert.equal(body.from, T - 30 * M);
  assert.equal(body.to, T - 13 * M);
  assert.deepEqual(body.charts.map((c: { id: string }) => c.id), ["service:api/latency", "service:api/cpu", "service:api/memory"]);
  assert.deepEqual(body.markers, [{ ts: T - 19 * M, kind: "alert", text: "incident.opened" }]);
  assert.equal((await get("/api/v1/incidents/999/charts")).status, 404);
  assert.equal((await get("/api/v1/incidents/x/charts")).status, 400);
});

test("the event stream pushes each journal event to a connected client", async () => {
  const controller = new AbortController();
  const res = await fetch(`${vigil.server.url}/api/v1/events/stream`, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  // The stream is open once the first comment arrives; then something is journalled.
  while (!text.includes(": connected")) text += decoder.decode((await reader.read()).value);
  assert.equal(vigil.server.live.listeners, 1);
  const event = await vigil.server.journal.record("silence.created", { data: { id: 1 } });
  while (!text.includes("event: change\ndata:")) text += decoder.decode((await reader.read()).value);
  const data = JSON.parse(/data: (.*)\n\n/.exec(text)![1]!);
  assert.deepEqual(data, { topic: "journal", kind: "silence.created", id: event.id, ts: event.ts });
  controller.abort();
  await assert.rejects(reader.read());
  for (let i = 0; i < 100 && vigil.server.live.listeners > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(vigil.server.live.listeners, 0, "the closed client is forgotten");
});

test("the dashboard is served: the page at /, its files under /web/, nothing outside dist/web", async () => {
  const page = await fetch(`${vigil.server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/web\/app.js">/);
  assert.doesNotMatch(html, /https?:\/\//, "nothing loaded from another origin");
  const script = await fetch(`${vigil.server.url}/web/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.ok((await script.text()).length > 10_000);
  assert.equal((await fetch(`${vigil.server.url}/web/%2e%2e/%2e%2e/package.json`)).status, 404);
  assert.equal((await fetch(`${vigil.server.url}/web/nope.js`)).status, 404);
});
