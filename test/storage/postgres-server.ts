// A PostgreSQL database for tests. With VIGIL_TEST_DATABASE_URL set, that server is used;
// otherwise a throwaway cluster is made: `initdb` into a temp dir and `pg_ctl start` on a
// free port (TCP on 127.0.0.1, its unix socket in the temp dir, fsync off), as the
// `postgres` user when running as root (initdb refuses root). Every freshDatabaseUrl() is
// its own schema (search_path set in the URL), so tests never see each other's rows; stop()
// drops the schemas or removes the whole cluster.
// Without PostgreSQL binaries the tests are skipped with a loud notice, unless
// VIGIL_REQUIRE_POSTGRES=1 (set by .ci/run), which makes that a failure.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import pg from "pg";
import { freePort } from "../fixtures/ports.js";

const externalUrl = process.env.VIGIL_TEST_DATABASE_URL;
const required = process.env.VIGIL_REQUIRE_POSTGRES === "1";

/** Where initdb and pg_ctl are: $VIGIL_POSTGRES_BIN, `pg_config --bindir`, or Debian's /usr/lib/postgresql/N/bin. */
function findBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.VIGIL_POSTGRES_BIN) candidates.push(process.env.VIGIL_POSTGRES_BIN);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  try {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join("/usr/lib/postgresql", v, "bin"));
  } catch {
    // No Debian PostgreSQL.
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) ?? null;
}

const binDir = externalUrl ? null : findBinDir();
/** True when the PostgreSQL tests cannot run here and should be skipped (a notice was printed). */
export const skipPostgres = !externalUrl && binDir === null && !required;
if (skipPostgres) {
  console.warn(
    [
      "",
      "************************************************************************",
      "* SKIPPED: the PostgreSQL storage tests: no initdb/pg_ctl found",
      "* (pg_config --bindir, /usr/lib/postgresql/*/bin) and no",
      "* VIGIL_TEST_DATABASE_URL. Install them (Debian: apt-get install",
      "* postgresql); VIGIL_REQUIRE_POSTGRES=1 makes this a failure.",
      "************************************************************************",
      "",
    ].join("\n"),
  );
}

export interface TestPostgres {
  /** Where the server is, for messages: a URL without a search_path. */
  url: string;
  /** A URL whose connections see only a new, empty schema. */
  freshDatabaseUrl(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts (or connects to) the test server; call it in before(), and stop() in after(). */
export async function startTestPostgres(): Promise<TestPostgres> {
  if (externalUrl) return schemasOn(externalUrl, async () => undefined, true);
  if (binDir === null) {
    throw new Error("VIGIL_REQUIRE_POSTGRES=1 but no initdb/pg_ctl was found (Debian: apt-get install postgresql; or set VIGIL_POSTGRES_BIN or VIGIL_TEST_DATABASE_URL)");
  }
  return startCluster(binDir);
}

async function startCluster(bin: string): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-pg-test-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: the cluster belongs to the postgres user.
  const run = (command: string, args: string[]) => {
    const argv = asRoot ? ["runuser", "-u", "postgres", "--", join(bin, command), ...args] : [join(bin, command), ...args];
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 90_000 });
    if (result.status !== 0) {
      const log = existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8") : "";
      throw new Error(`${command} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}${result.stdout}${log}`);
    }
  };
  if (asRoot) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gids = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (ids.status !== 0) throw new Error("running as root, but there is no postgres user to run initdb as");
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const port = await freePort();
  let started = false;
  const stopNow = () => {
    if (started) spawnSync(asRoot ? "runuser" : join(bin, "pg_ctl"), [...(asRoot ? ["-u", "postgres", "--", join(bin, "pg_ctl")] : []), "-D", data, "-m", "immediate", "-w", "stop"], { stdio: "ignore", timeout: 60_000 });
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without after() must not leave a postmaster behind.
  process.once("exit", stopNow);
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
    run("pg_ctl", [
      "-D", data,
      "-l", join(dir, "log"),
      "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      "-w", "-t", "60",
      "start",
    ]);
    started = true;
  } catch (err) {
    stopNow();
    process.removeListener("exit", stopNow);
    throw err;
  }
  return schemasOn(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    stopNow();
    process.removeListener("exit", stopNow);
  }, false);
}

/** Hands out one new schema per call on the server at `url`; `dropSchemas` for a server that outlives the tests. */
function schemasOn(url: string, stopServer: () => Promise<void>, dropSchemas: boolean): TestPostgres {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on("error", () => undefined);
  const schemas: string[] = [];
  const prefix = `vigil_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    url,
    async freshDatabaseUrl() {
      const schema = `${prefix}_${schemas.length + 1}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const u = new URL(url);
      u.searchParams.set("options", `-c search_path=${schema}`);
      return u.href;
    },
    async stop() {
      try {
        if (dropSchemas) for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
        await stopServer();
      }
    },
  };
}

/**
 * The test PostgreSQL for one test file: started before its tests (unless skipPostgres) and
 * stopped after them. freshDatabaseUrl() fails plainly when it did not start.
 */
export function usePostgres(): { freshDatabaseUrl(): Promise<string>; url(): string } {
  let server: TestPostgres | undefined;
  before(async () => {
    if (skipPostgres) return;
    server = await startTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  const started = () => {
    if (!server) throw new Error("the test PostgreSQL did not start");
    return server;
  };
  return { freshDatabaseUrl: () => started().freshDatabaseUrl(), url: () => started().url };
}
