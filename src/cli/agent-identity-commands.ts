// Registers the transport and agent-identity commands: `vigil certs init` and `vigil agents
// list|revoke`. (`vigil token create --agent NODE` is a kind of token: src/cli/token/agent-token-kind.ts.)
import type { Command } from "commander";
import { agentsListCommand, agentsRevokeCommand } from "./agents-command.js";
import { certsInitCommand } from "./certs-command.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerAgentIdentityCommands(program: Command): void {
  const certs = program.command("certs").description("TLS certificates for the server and agents");
  certs
    .command("init")
    .description("create a CA, the server's certificate and agents' client certificates (an existing CA in --dir is reused)")
    .option("--dir <dir>", "where to write them", "./vigil-certs")
    .option("--server-name <name>", "a DNS name or IP address agents reach the server by (repeatable; localhost and 127.0.0.1 are always included)", collect)
    .option("--agents <nodes>", "comma-separated node names to issue client certificates for")
    .option("--days <n>", "validity of the server and agent certificates in days (default 825; the CA 3650)")
    .action(async (flags) => {
      process.exitCode = await certsInitCommand(flags);
    });

  const agents = program.command("agents").description("enrolled agents");
  agents
    .command("list")
    .description("agents enrolled on this server, revoked ones and unused tokens")
    .option("--json", "print JSON")
    .option("--config <file>", "config file, for server.data")
    .option("--data <dir>", "the server's data directory (default: $VIGIL_DATA or server.data)")
    .action((flags) => {
      process.exitCode = agentsListCommand(flags);
    });
  agents
    .command("revoke")
    .description("revoke a node's agent: its credential and certificate stop working until it enrolls again")
    .argument("<node>", "the node's name")
    .option("--config <file>", "config file, for server.data")
    .option("--data <dir>", "the server's data directory (default: $VIGIL_DATA or server.data)")
    .action((node: string, flags) => {
      process.exitCode = agentsRevokeCommand(node, flags);
    });
}
