// `vigil up`: the server and a local agent in one process — the zero-configuration start.
import { join } from "node:path";
import { Agent } from "../agent/agent.js";
import type { VigilConfig } from "../config/schema.js";
import { defaultNodeName, startServer } from "../server/server.js";
import { configSecrets } from "../config/secrets.js";
import { createLogger } from "../util/logger.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

/** When every service names one and the same node, the local agent is that node. */
function soleConfiguredNode(config: VigilConfig): string | null {
  const nodes = new Set(config.services.map((s) => s.node));
  const [only] = nodes;
  return nodes.size === 1 && only !== undefined ? only : null;
}

export async function upCommand(flags: CommonFlags & { node?: string }): Promise<void> {
  const { config, file } = loadCommandConfig(flags, { zeroConfig: true });
  const { listen, dataDir } = serverSettings(flags, config);
  const node = flags.node ?? process.env.VIGIL_NODE ?? soleConfiguredNode(config) ?? defaultNodeName();
  const logger = createLogger({ secrets: configSecrets(config) });
  const server = await startServer({ config, listen, dataDir, localNode: node, logger });
  const agent = new Agent({
    server: server.url,
    node,
    dataDir: join(dataDir, "agent"),
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
