// `vigil agents list|revoke`: the agents enrolled on this server, and revoking one — its
// credential and certificate stop working at once (a connected agent is cut off within
// seconds) until it is enrolled again with a new token. Works on the server's data directory.
import { AgentIdentityStore } from "../security/agent-identity-store.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";

function openStore(flags: CommonFlags): AgentIdentityStore {
  return AgentIdentityStore.open(serverSettings(flags, loadCommandConfig(flags).config).dataDir);
}

export function agentsListCommand(flags: CommonFlags & { json?: boolean }): number {
  const store = openStore(flags);
  try {
    const agents = store.list(Date.now());
    if (flags.json) {
      console.log(JSON.stringify({ agents }, null, 2));
      return 0;
    }
    if (agents.length === 0) console.log("No agents enrolled.");
    for (const a of agents) {
      const state = a.revokedAt !== null ? `revoked ${new Date(a.revokedAt).toISOString()}` : a.enrolledAt !== null ? `enrolled ${new Date(a.enrolledAt).toISOString()}` : "not enrolled yet";
      console.log(`${a.node.padEnd(24)} ${state}${a.pendingTokens > 0 ? `, ${a.pendingTokens} unused token(s)` : ""}`);
    }
    return 0;
  } finally {
    store.close();
  }
}

export function agentsRevokeCommand(node: string, flags: CommonFlags): number {
  const store = openStore(flags);
  try {
    const credentials = store.revoke(node, Date.now());
    console.log(`Revoked agent ${node} (${credentials} credential(s)); a running server closes its connection within seconds.`);
    console.log(`To let it back: vigil token create --agent ${node}, then restart it with --enroll-token.`);
    return 0;
  } finally {
    store.close();
  }
}
