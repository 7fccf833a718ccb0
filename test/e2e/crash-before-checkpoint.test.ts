// The persistence contract with real processes: the server acknowledges an agent's message
// only once its samples are durable, so a `kill -9` between two series-store checkpoints
// loses nothing — the agent re-sends what was not acknowledged, the restarted server
// re-appends those samples and does not journal or act on those messages a second time.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { HTTP_SERVICE, api, freePort, serviceState, startCluster, waitFor, type Cluster } from "./harness.js";

const SPARES = ["spare-1", "spare-2", "spare-3"];
/** The checkpoint interval in the config below. */
const CHECKPOINT_MS = 10_000;
/** How long after a checkpoint the server is killed: samples of ≥ this long exist only in memory and in the agent's outbox. */
const UNDURABLE_MS = 3_000;

let cluster: Cluster;

before(async () => {
  const ports = await Promise.all(SPARES.map(() => freePort()));
  cluster = await startCluster({
    config: () => `
agent:
  collectInterval: 200ms
tsdb:
  checkpointInterval: 10s
services:
${SPARES.map(
  (name, i) => `  - name: ${name}
    node: node-1
    run: { command: "node ${HTTP_SERVICE} ${ports[i]}" }
    health: { http: "http://127.0.0.1:${ports[i]}/", interval: 200ms, timeout: 300ms, failures: 2 }
    recovery: none`,
).join("\n")}
`,
    healthy: SPARES,
  });
});

after(async () => {
  await cluster?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const status = async (): Promise<any> => api(cluster.server.url, "/api/v1/status");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A counter of the server's /metrics (0 when it has no such series yet). */
async function counter(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${cluster.server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

test("kill -9 between checkpoints: the unacknowledged samples are re-sent and stored, the journal has no duplicates", async () => {
  // How we make sure the crash really comes before a checkpoint: the store checkpoints every
  // 10 s and /api/v1/status counts its completed checkpoints. We wait for one to complete,
  // let 1 s of samples be appended after it (status: appendGeneration > durableGeneration,
  // so what follows is not durable), then produce a journalled agent event (a supervised
  // service killed: `process.exited`), wait until 3 s of samples have been appended since
  // that checkpoint, and check that the count has not moved before killing the server — so
  // for ≥ 3 s of samples and the event, the only durable copy is the agent's outbox. Were a checkpoint to slip in (a machine
  // stalled for 7 s), the attempt is repeated with the next spare service. The metrics after
  // the restart then prove the case happened: lost samples were restored from re-sent
  // messages (vigil_samples_replayed_total{result="stored"} > 0) and the event was re-sent
  // and skipped (vigil_agent_messages_replayed_total{type="event"} > 0).
  let victim: string | null = null;
  let checkpointAt = 0;
  for (const name of SPARES) {
    const runsBefore: number = (await status()).series.checkpoints.runs;
    const runs = await waitFor(
      async () => {
        const r: number = (await status()).series.checkpoints.runs;
        return r > runsBefore ? r : null;
      },
      4 * CHECKPOINT_MS,
      "a checkpoint",
    );
    checkpointAt = Date.now();
    // The event must come after samples appended since that checkpoint began (every 200 ms):
    // a message with only durable samples before it is rightly acknowledged at once.
    await sleep(1000);
    const early = await status();
    if (early.series.checkpoints.runs !== runs || !(early.series.appendGeneration > early.series.durableGeneration)) continue;
    process.kill((await serviceState(cluster.server.url, name)).pid, "SIGKILL");
    await waitFor(
      async () => (await api(cluster.server.url, `/api/v1/events?kind=process.exited&service=${name}`)).events.length > 0,
      20_000,
      `process.exited of ${name} journalled`,
    );
    await sleep(checkpointAt + UNDURABLE_MS - Date.now());
    const s = await status();
    if (s.series.checkpoints.runs === runs && Date.now() - checkpointAt < CHECKPOINT_MS - 3000) {
      victim = name;
      break;
    }
  }
  assert.ok(victim, "could not kill the server between two checkpoints (the machine stalled for seconds three times)");
  const eventsBefore = (await api(cluster.server.url, "/api/v1/events?limit=10000")).events;
  await cluster.restartServer("SIGKILL");
  const restartedAt = Date.now();

  // The agent reconnects, is welcomed with the last acknowledged seq and re-sends the rest.
  // Both counters: the re-sent messages arrive in seq order, the event after some samples.
  await waitFor(
    async () =>
      (await counter("vigil_samples_replayed_total", 'result="stored"')) > 0 && (await counter("vigil_agent_messages_replayed_total", 'type="event"')) > 0,
    30_000,
    'lost samples restored from the outbox (vigil_samples_replayed_total{result="stored"}) and the process.exited event re-sent and skipped',
  );

  // No hole in a host metric across the crash: from before the last checkpoint to after the restart.
  const from = checkpointAt - 5000;
  const to = restartedAt + 3000;
  const points: Array<[number, number]> = await waitFor(
    async () => {
      const q = await api(cluster.server.url, `/api/v1/tsdb/query_range?metric=node_memory_total_bytes&match=node%3Dnode-1&from=${from}&to=${to}`);
      const pts: Array<[number, number]> = q.series[0]?.points ?? [];
      return pts.length > 0 && pts.at(-1)![0] >= to - 1000 ? pts : null;
    },
    30_000,
    "samples up to after the restart",
  );
  const gaps = points.slice(1).map((p, i) => p[0] - points[i]![0]);
  const largest = Math.max(...gaps);
  // Collection every 200 ms; 2 s allows a loaded machine. A lost window would be ≥ 3 s plus the downtime.
  assert.ok(largest < 2000, `no gap across the crash: largest ${largest} ms between ${points.length} points from ${from} to ${to}`);
  assert.equal((await status()).series.rejected, 0, "re-sent samples the store had are not counted as bad input");

  // The journal: everything from before the crash is kept, and nothing of it came twice.
  const eventsAfter = (await api(cluster.server.url, "/api/v1/events?limit=10000")).events;
  for (const e of eventsBefore) assert.deepEqual(eventsAfter.find((x: { id: number }) => x.id === e.id), e, `journal event ${e.id} kept`);
  const exited = eventsAfter.filter((e: { kind: string; service?: string }) => e.kind === "process.exited" && e.service === victim);
  assert.equal(exited.length, 1, `one process.exited for ${victim}, not a second from the re-sent message`);
  const key = (e: { kind: string; ts: number; node?: string; service?: string; data: unknown }) =>
    JSON.stringify([e.kind, e.ts, e.node, e.service, e.data]);
  const seen = new Set(eventsBefore.map(key));
  // What the agent's messages journal (its events, and probe results as service.health).
  const fromAgent = new Set(["process.started", "process.exited", "process.adopted", "service.health"]);
  const lastIdBefore: number = eventsBefore.at(-1).id;
  const repeated = eventsAfter.filter((e: { id: number; kind: string }) => e.id > lastIdBefore && fromAgent.has(e.kind) && seen.has(key(e as never)));
  assert.deepEqual(repeated, [], "no journal event of an agent message repeated after the restart");
});
