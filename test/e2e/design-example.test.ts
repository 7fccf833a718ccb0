// The example config of DESIGN.md §4 works as written under `vigil up`: its two services
// (db, and api standing for "your own program in ./api") are started, probed, and healed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, REPO_ROOT, api, freePort, serviceState, tempDir, waitFor } from "./harness.js";

let dir: ReturnType<typeof tempDir>;
let up: ChildProcess;
let url: string;
let output = "";

before(async () => {
  dir = tempDir();
  copyFileSync(join(REPO_ROOT, "test/fixtures/design-example.yaml"), join(dir.path, "vigil.yaml"));
  mkdirSync(join(dir.path, "api"));
  writeFileSync(
    join(dir.path, "api/server.js"),
    "require('http').createServer((q, s) => s.end('api ok')).listen(Number(process.env.PORT), '127.0.0.1');\n",
  );
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Run from the config's directory, as a user would: `vigil up` finds ./vigil.yaml.
  up = spawn(process.execPath, [CLI, "up", "--listen", `127.0.0.1:${port}`], {
    cwd: dir.path,
    env: { ...process.env, VIGIL_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  up.stdout!.on("data", (d) => (output += d));
  up.stderr!.on("data", (d) => (output += d));
});

after(async () => {
  if (up.exitCode === null) {
    const exited = new Promise((r) => up.once("exit", r));
    up.kill("SIGTERM");
    await exited;
  }
  dir.remove();
});

test("vigil up runs the DESIGN.md example: both services healthy on node-a, and a killed db is healed", async () => {
  for (const name of ["db", "api"]) {
    await waitFor(async () => (await serviceState(url, name))?.health === "healthy", 30_000, `${name} healthy (output: ${output})`);
  }
  assert.match(output, /Vigil is up: http:\/\/127\.0\.0\.1:\d+/);
  const nodes = (await api(url, "/api/v1/nodes")).nodes;
  assert.deepEqual(nodes.map((n: { name: string; state: string }) => [n.name, n.state]), [["node-a", "alive"]]);
  assert.equal(await (await fetch("http://127.0.0.1:8082/")).text(), "ok");
  assert.equal(await (await fetch("http://127.0.0.1:8081/healthz")).text(), "api ok");

  const db = await serviceState(url, "db");
  process.kill(db.pid, "SIGKILL");
  const incident = await waitFor(
    async () => (await api(url, "/api/v1/incidents")).incidents.find((i: { target: string; state: string }) => i.target === "db" && i.state === "resolved"),
    60_000,
    "db's incident resolved",
  );
  assert.ok(incident.figures.mttrMs !== null);
  assert.notEqual((await serviceState(url, "db")).pid, db.pid);
});
