// `vigil token create --agent NODE [--ttl 24h]`: a one-time enrollment token for a node's
// agent (src/cli/agent-token-command.ts). It is written into the server's data directory,
// never through the API, so it needs no API token admin.
import type { Command } from "commander";
import { createAgentTokenCommand } from "../agent-token-command.js";
import type { TokenKind } from "./token-kinds.js";

export const agentTokenKind: TokenKind = {
  addOptions(create: Command) {
    create
      .option("--agent <node>", "make a one-time enrollment token for this node's agent instead of an API token (written into --data)")
      .option("--ttl <duration>", "with --agent: how long the enrollment token stays valid (default 24h)");
  },
  selected: (flags) => flags.agent !== undefined,
  async create(flags) {
    if (flags.role !== undefined || flags.name !== undefined) {
      console.error("vigil token create: --agent makes an enrollment token, which has no --role or --name; leave those out");
      return 1;
    }
    return createAgentTokenCommand({ agent: flags.agent as string, ...(flags.ttl !== undefined && { ttl: flags.ttl as string }), ...(flags.data !== undefined && { data: flags.data as string }), ...(flags.config !== undefined && { config: flags.config as string }) });
  },
};
