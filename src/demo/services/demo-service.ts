// One small, real HTTP service of the demo cluster (web, api, cache, db, queue, worker are
// all this program with different settings). It serves GET /work (its own work: db appends
// a record to its data directory, cache and queue keep maps), calls each dependency's /work
// every TRAFFIC_MS (the cluster's traffic), and answers GET /healthz with 503 while a
// dependency failed its last two calls, so a failing db shows up upstream as it would.
// Environment: SERVICE, PORT, DEPS ("db=10.0.0.3:7504|10.0.0.2:7504,cache=..." — addresses
// tried in order, as a client with a replica list), DATA (a directory, for db), TRAFFIC_MS.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { join } from "node:path";

const name = process.env.SERVICE ?? "service";
const port = Number(process.env.PORT ?? 0);
const trafficMs = Number(process.env.TRAFFIC_MS ?? 500);
const dataDir = process.env.DATA;
const deps = (process.env.DEPS ?? "")
  .split(",")
  .filter(Boolean)
  .map((entry) => {
    const [dep, addresses] = entry.split("=");
    return { name: dep!, addresses: addresses!.split("|"), failures: 0, lastError: "" };
  });

let served = 0;
const store = new Map<string, number>();
if (dataDir) mkdirSync(dataDir, { recursive: true });

function work(): string {
  served++;
  if (dataDir) appendFileSync(join(dataDir, "records.log"), `${Date.now()} ${name} record ${served}\n`);
  store.set(`k${served % 100}`, served);
  return `${name} ok ${served}`;
}

function get(address: string, path: string, timeoutMs: number): Promise<void> {
  const [host, portText] = address.split(":");
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(portText), path, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on("error", reject);
    req.end();
  });
}

async function callDependency(dep: (typeof deps)[number]): Promise<void> {
  for (const address of dep.addresses) {
    try {
      await get(address, "/work", 1000);
      dep.failures = 0;
      return;
    } catch (err) {
      dep.lastError = `${address}: ${(err as Error).message}`;
    }
  }
  dep.failures++;
}

setInterval(() => void Promise.all(deps.map(callDependency)), trafficMs);

createServer((req, res) => {
  if (req.url === "/work") return void res.end(work());
  if (req.url === "/healthz") {
    const failing = deps.filter((d) => d.failures >= 2);
    res.statusCode = failing.length > 0 ? 503 : 200;
    return void res.end(failing.length > 0 ? `dependency failing: ${failing.map((d) => `${d.name} (${d.lastError})`).join(", ")}` : `${name} healthy`);
  }
  if (req.url === "/records" && dataDir) {
    let count = 0;
    try {
      count = readFileSync(join(dataDir, "records.log"), "utf8").split("\n").length - 1;
    } catch {
      /* none yet */
    }
    return void res.end(String(count));
  }
  res.statusCode = 404;
  res.end("not found");
}).listen(port, "0.0.0.0");

process.on("SIGTERM", () => process.exit(0));
