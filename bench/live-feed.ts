// Live-feed benchmark: what pushing a change to the dashboards costs the server. A real
// Fastify server with the event-stream route and K real HTTP clients reading it; each change
// is published once and the benchmark reports the server's time per publish (one JSON
// serialization, K socket writes) and the time until every client has the frame.
import { request } from "node:http";
import { cpus, loadavg } from "node:os";
import Fastify from "fastify";
import { registerLiveRoute } from "../src/server/http/live-route.js";
import { LiveFeed } from "../src/server/live-feed.js";
import { Flags, runBench } from "./support/flags.js";

const USAGE = `usage: npm run bench -- live-feed [--clients K] [--changes N]
  --clients K   connected dashboards (default 200)
  --changes N   changes published, one at a time (default 2000)`;

interface Settings {
  clients: number;
  changes: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function run(s: Settings): Promise<number> {
  const feed = new LiveFeed();
  const http = Fastify({ logger: false, forceCloseConnections: true });
  registerLiveRoute(http, feed);
  const url = new URL(await http.listen({ host: "127.0.0.1", port: 0 }));

  // Each client counts the frames it has read; `waiting` resolves when all have read `target`.
  const received = new Array<number>(s.clients).fill(0);
  let target = 0;
  let behind = 0;
  let done: (() => void) | null = null;
  await Promise.all(
    Array.from({ length: s.clients }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: "/api/v1/events/stream", agent: false }, (res) => {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (chunk.includes(": connected")) resolve();
            const frames = chunk.split("event: change").length - 1;
            if (frames === 0) return;
            received[i]! += frames;
            if (received[i] === target && --behind === 0) done?.();
          });
        });
        req.on("error", reject);
        req.end();
      }),
    ),
  );
  if (feed.listeners !== s.clients) throw new Error(`${feed.listeners} of ${s.clients} clients connected`);

  const publishUs: number[] = [];
  const deliveredMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let n = 1; n <= s.changes; n++) {
    target = n;
    behind = s.clients;
    const all = new Promise<void>((r) => (done = r));
    const t0 = process.hrtime.bigint();
    feed.publish({ topic: "journal", kind: "service.health", id: n, ts: Date.now(), node: "node-a", service: "api" });
    const t1 = process.hrtime.bigint();
    await all;
    const t2 = process.hrtime.bigint();
    publishUs.push(Number(t1 - t0) / 1000);
    deliveredMs.push(Number(t2 - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  await http.close();

  publishUs.sort((a, b) => a - b);
  deliveredMs.sort((a, b) => a - b);
  console.log(`live-feed: ${s.clients} clients, ${s.changes} changes (${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)})`);
  console.log(`  server work per change (serialize once, ${s.clients} writes): p50 ${percentile(publishUs, 0.5).toFixed(0)} µs, p99 ${percentile(publishUs, 0.99).toFixed(0)} µs`);
  console.log(`  until every client has read it:                 p50 ${percentile(deliveredMs, 0.5).toFixed(2)} ms, p99 ${percentile(deliveredMs, 0.99).toFixed(2)} ms`);
  console.log(`  process CPU (server and the ${s.clients} clients in it): ${((cpu.user + cpu.system) / 1000 / s.changes).toFixed(2)} ms per change`);
  return 0;
}

runBench(
  "live-feed",
  USAGE,
  (argv): Settings => {
    const flags = Flags.parse(argv, { clients: "string", changes: "string" });
    return { clients: flags.wholeNumber("clients", 200), changes: flags.wholeNumber("changes", 2000) };
  },
  run,
);
