// `vigil agent --server URL --node NAME`: collectors, probes, supervision and the outbox
// on one node; its services and settings come from the server in the welcome message.
// Several server replicas: --server repeated or comma-separated (also in $VIGIL_SERVER).
// Transport and identity: --ca/--cert/--key for TLS and mTLS, --enroll-token on the first
// start, --insecure for plain text to a non-loopback server, --read-only to never act.
import { resolve } from "node:path";
import { Agent } from "../agent/agent.js";
import { loadConfigFile } from "../config/load.js";
import { defaultNodeName } from "../server/server.js";
import { agentTlsOptions, type AgentTlsSettings } from "../security/tls-files.js";
import { createLogger } from "../util/logger.js";
import { agentServerUrls, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

export interface AgentFlags extends Omit<CommonFlags, "server"> {
  /** Every --server given (each may hold several comma-separated URLs). */
  server?: string[];
  node?: string;
  outboxMaxMessages?: string;
  probeListen?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  readOnly?: boolean;
  enrollToken?: string;
}

/** --ca/--cert/--key, else $VIGIL_CA/$VIGIL_CERT/$VIGIL_KEY, else agent.tls of --config. */
function tlsSettings(flags: AgentFlags): AgentTlsSettings {
  const fromConfig = flags.config ? (loadConfigFile(resolve(flags.config)).agent.tls ?? {}) : {};
  const pick = (flag: string | undefined, env: string, configured: string | undefined) => {
    const value = flag ?? process.env[env] ?? configured;
    return value === undefined ? undefined : resolve(value);
  };
  return {
    ca: pick(flags.ca, "VIGIL_CA", fromConfig.ca),
    cert: pick(flags.cert, "VIGIL_CERT", fromConfig.cert),
    key: pick(flags.key, "VIGIL_KEY", fromConfig.key),
  };
}

export async function agentCommand(flags: AgentFlags): Promise<void> {
  const node = flags.node ?? process.env.VIGIL_NODE ?? defaultNodeName();
  const servers = agentServerUrls(flags);
  const dataDir = resolve(flags.data ?? process.env.VIGIL_AGENT_DATA ?? "./vigil-agent-data");
  const max = flags.outboxMaxMessages ?? process.env.VIGIL_OUTBOX_MAX_MESSAGES;
  const outboxMaxMessages = max === undefined ? undefined : Number(max);
  if (outboxMaxMessages !== undefined && (!Number.isInteger(outboxMaxMessages) || outboxMaxMessages < 10)) {
    throw new Error(`--outbox-max-messages: expected an integer of at least 10, got "${max}"`);
  }
  const tls = agentTlsOptions(tlsSettings(flags));
  const enrollToken = flags.enrollToken ?? process.env.VIGIL_ENROLL_TOKEN;
  const logger = createLogger();
  const probeListen = flags.probeListen ?? process.env.VIGIL_PROBE_LISTEN;
  const agent = new Agent({
    server: servers,
    node,
    dataDir,
    logger,
    tls,
    ...(flags.insecure && { insecure: true }),
    ...(flags.readOnly && { readOnly: true }),
    ...(enrollToken !== undefined && enrollToken !== "" && { enrollToken }),
    ...(outboxMaxMessages !== undefined && { outboxMaxMessages }),
    ...(probeListen !== undefined && { probeListen }),
  });
  await agent.start();
  console.log(`Vigil agent ${node} reporting to ${servers.join(", ")} (data: ${dataDir})${flags.readOnly ? ", read-only" : ""}`);
  runUntilSignal(() => agent.stop(), (m) => logger.info(m));
}
