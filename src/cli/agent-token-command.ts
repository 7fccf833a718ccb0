// `vigil token create --agent NODE`: a one-time enrollment token for a node's agent, written
// into the server's data directory (hashed) and printed once. The agent spends it on its
// first connect (`vigil agent --enroll-token TOKEN`) for its own credential.
import { AgentIdentityStore, ENROLLMENT_TOKEN_TTL_MS } from "../security/agent-identity-store.js";
import { parseDuration } from "../util/duration.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export interface AgentTokenFlags extends CommonFlags {
  agent: string;
  ttl?: string;
}

export function createAgentTokenCommand(flags: AgentTokenFlags): number {
  if (!NODE_NAME.test(flags.agent)) throw new Error(`--agent: "${flags.agent}" is not a node name (letters, digits, '.', '_', ':' or '-')`);
  const ttlMs = flags.ttl === undefined ? ENROLLMENT_TOKEN_TTL_MS : parseDuration(flags.ttl);
  if (ttlMs === null || ttlMs <= 0) throw new Error(`--ttl: expected a duration such as "1h", got "${flags.ttl}"`);
  const { dataDir } = serverSettings(flags, loadCommandConfig(flags).config);
  const store = AgentIdentityStore.open(dataDir);
  try {
    const { token, expiresAt } = store.createEnrollmentToken(flags.agent, Date.now(), ttlMs);
    console.log(token);
    console.error(`Enrollment token for agent ${flags.agent}, valid once until ${new Date(expiresAt).toISOString()} (server data: ${dataDir}).`);
    console.error(`On ${flags.agent}: vigil agent --node ${flags.agent} --enroll-token <token> ...`);
    return 0;
  } finally {
    store.close();
  }
}
