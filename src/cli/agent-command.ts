// `vigil agent --server URL --node NAME`: collectors, probes, supervision and the outbox
// on one node; its services and settings come from the server in the welcome message.
import { resolve } from "node:path";
import { Agent } from "../agent/agent.js";
import { defaultNodeName } from "../server/server.js";
import { createLogger } from "../util/logger.js";
import { serverUrl, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

export interface AgentFlags extends CommonFlags {
  node?: string;
  outboxMaxMessages?: string;
  probeListen?: string;
}

export async function agentCommand(flags: AgentFlags): Promise<void> {
  const node = flags.node ?? process.env.VIGIL_NODE ?? defaultNodeName();
  const server = serverUrl(flags);
  const dataDir = resolve(flags.data ?? process.env.VIGIL_AGENT_DATA ?? "./vigil-agent-data");
  const max = flags.outboxMaxMessages ?? process.env.VIGIL_OUTBOX_MAX_MESSAGES;
  const outboxMaxMessages = max === undefined ? undefined : Number(max);
  if (outboxMaxMessages !== undefined && (!Number.isInteger(outboxMaxMessages) || outboxMaxMessages < 10)) {
    throw new Error(`--outbox-max-messages: expected an integer of at least 10, got "${max}"`);
  }
  const logger = createLogger();
  const probeListen = flags.probeListen ?? process.env.VIGIL_PROBE_LISTEN;
  const agent = new Agent({
    server,
    node,
    dataDir,
    logger,
    ...(outboxMaxMessages !== undefined && { outboxMaxMessages }),
    ...(probeListen !== undefined && { probeListen }),
  });
  await agent.start();
  console.log(`Vigil agent ${node} reporting to ${server} (data: ${dataDir})`);
  runUntilSignal(() => agent.stop(), (m) => logger.info(m));
}
