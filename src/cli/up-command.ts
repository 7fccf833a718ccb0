// `vigil up`: the server and a local agent in one process — the zero-configuration start.
import { join } from "node:path";
import { Agent } from "../agent/agent.js";
import { readCredential, writeCredential } from "../agent/credential-file.js";
import type { VigilConfig } from "../config/schema.js";
import { defaultNodeName, startServer, type VigilServer } from "../server/server.js";
import { storageUrl } from "../storage/open-storage.js";
import { configSecrets } from "../config/secrets.js";
import { agentTlsOptions } from "../security/tls-files.js";
import { createLogger } from "../util/logger.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

/** When every service names one and the same node, the local agent is that node. */
function soleConfiguredNode(config: VigilConfig): string | null {
  const nodes = new Set(config.services.map((s) => s.node));
  const [only] = nodes;
  return nodes.size === 1 && only !== undefined ? only : null;
}

/**
 * The local agent's credential: the one kept in its data directory while the server still
 * accepts it, else a new one issued in-process — `vigil up` enrolls its own agent.
 */
function localCredential(server: VigilServer, node: string, agentDir: string): string {
  const kept = readCredential(agentDir);
  const check = kept === null ? null : server.identities.checkCredential(kept);
  if (kept !== null && check?.ok && check.node === node) return kept;
  const credential = server.identities.issueCredential(node, Date.now());
  writeCredential(agentDir, credential);
  return credential;
}

/** The server's URL as the in-process agent reaches it: a wildcard listen address becomes loopback. */
function localUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
  if (u.hostname === "[::]") u.hostname = "[::1]";
  return u.href.replace(/\/+$/, "");
}

export async function upCommand(flags: CommonFlags & { node?: string; insecure?: boolean }): Promise<void> {
  const { config, file } = loadCommandConfig(flags, { zeroConfig: true });
  const { listen, dataDir } = serverSettings(flags, config);
  const node = flags.node ?? process.env.VIGIL_NODE ?? soleConfiguredNode(config) ?? defaultNodeName();
  if (storageUrl(config.server.storage !== undefined ? { url: config.server.storage } : {}) !== null) {
    // A server on PostgreSQL is a replica that must hold the leader lease before it acts
    // (server-command.ts); `vigil up` is the one-machine start and contends for nothing.
    throw new Error(
      "vigil up runs one server on SQLite in its data directory, but a PostgreSQL storage is configured (server.storage or $VIGIL_DATABASE_URL): " +
        "start `vigil server` on each replica and `vigil agent --server URL1,URL2,...` on each node instead, or unset it",
    );
  }
  const logger = createLogger({ secrets: configSecrets(config) });
  const server = await startServer({ config, listen, dataDir, localNode: node, logger, ...(flags.insecure && { insecure: true }) });
  const agentDir = join(dataDir, "agent");
  // With server.tls, the local agent trusts the CA of server.tls (or agent.tls.ca) and uses agent.tls's client certificate if any.
  const serverTls = config.server.tls;
  const agentTls = config.agent.tls;
  const ca = agentTls?.ca ?? serverTls?.ca;
  const agent = new Agent({
    server: localUrl(server.url),
    node,
    dataDir: agentDir,
    credential: localCredential(server, node, agentDir),
    ...(serverTls && { tls: agentTlsOptions({ ca: ca ?? serverTls.cert, cert: agentTls?.cert, key: agentTls?.key }) }),
    outboxMaxMessages: config.agent.outboxMaxMessages,
    // The only node is this one: its probe listener need not be reachable from elsewhere.
    probeListen: "127.0.0.1:0",
    logger,
  });
  await agent.start();
  console.log(`Vigil is up: ${server.url}`);
  console.log(`  config: ${file ?? "none (monitoring this machine with the default rules)"}`);
  console.log(`  data:   ${dataDir}`);
  console.log(`  node:   ${node}, ${config.services.length} service(s), ${config.rules.length} rule(s)`);
  runUntilSignal(
    async () => {
      await agent.stop();
      await server.close();
    },
    (m) => logger.info(m),
  );
}
