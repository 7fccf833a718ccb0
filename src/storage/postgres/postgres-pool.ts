// The connection pool PostgreSQL storage runs on (`pg`), and how a database URL is shown in
// messages. BIGINT columns (ms timestamps, ids, seqs) come back as JS numbers: this pool's
// own int8 parser (type oid 20) converts them and refuses values beyond 2^53, without
// touching the process-wide pg-types parsers that other pg users in the process rely on.
import pg from "pg";

/** PostgreSQL's type oid of int8 (BIGINT, COUNT(*), identity columns). */
const INT8_OID = 20;
/** How long opening a connection may take before the operation fails (an unreachable host). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Connections per storage: enough for the server's concurrent request handlers and loops. */
export const DEFAULT_POOL_SIZE = 10;

export interface PoolOptions {
  /** Most connections open at once (default 10). */
  max?: number;
  /** Called when an idle pooled connection fails (the server restarted); the pool replaces it. */
  onIdleClientError?: (err: Error) => void;
  /** How long opening a connection, or waiting for a free one, may take (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * The most one statement may take: the server cancels it (`statement_timeout`, which also
   * bounds waiting for a row lock) and the client stops waiting for its answer (`query_timeout`,
   * for a connection that went silent). Default: no limit.
   */
  statementTimeoutMs?: number;
}

function int8ToNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`integer ${text} is beyond JavaScript's safe integer range`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? int8ToNumber : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Parses the URL, failing with a message that does not repeat it (it may hold a password). */
export function parsePostgresUrl(url: string): URL {
  if (!isPostgresUrl(url)) throw new Error("expected a postgres:// or postgresql:// URL");
  try {
    return new URL(url);
  } catch {
    throw new Error("not a valid URL: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE");
  }
}

/** `postgres://user@host:port/database`: where the database is, without the password. */
export function describePostgresUrl(url: URL): string {
  const host = url.hostname === "" ? "localhost" : decodeURIComponent(url.hostname);
  const user = url.username === "" ? "" : `${decodeURIComponent(url.username)}@`;
  return `${url.protocol}//${user}${host}:${url.port === "" ? "5432" : url.port}${url.pathname}`;
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  for (const key of ["max", "connectTimeoutMs", "statementTimeoutMs"] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new Error(`PostgreSQL pool option ${key} must be a positive whole number, got ${value}`);
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs }),
    application_name: "vigil",
    types,
  });
  // Without a listener an idle connection's error (the server restarting) would crash the
  // process; the pool drops that connection and opens a new one for the next query.
  pool.on("error", (err) => options.onIdleClientError?.(err));
  return pool;
}
