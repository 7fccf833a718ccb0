// The `vigil` command line: parses flags and hands each command to its own file.
import { Command } from "commander";
import { ConfigError } from "../config/config-error.js";
import { adviceCommand } from "./advice-command.js";
import { agentCommand } from "./agent-command.js";
import { registerAgentIdentityCommands } from "./agent-identity-commands.js";
import { approveCommand } from "./approve-command.js";
import { availabilityCommand } from "./availability-command.js";
import { registerAnomalyCommand } from "./anomaly-command.js";
import { alertsCommand } from "./alerts-command.js";
import { incidentCommand } from "./incident-command.js";
import { incidentsCommand } from "./incidents-command.js";
import { serverCommand } from "./server-command.js";
import { registerSilenceCommand } from "./silence-command.js";
import { registerTokenCommand } from "./token/token-command.js";
import { clusterStatusCommand } from "./cluster-command.js";
import { nodesCommand } from "./nodes-command.js";
import { servicesCommand } from "./services-command.js";
import { statusCommand } from "./status-command.js";
import { unfenceCommand } from "./unfence-command.js";
import { upCommand } from "./up-command.js";
import { validateCommand } from "./validate-command.js";

const program = new Command()
  .name("vigil")
  .description("Fault early-warning and self-healing for distributed systems")
  .version("0.1.0");

program
  .command("up")
  .description("run the server and a local agent in one process (monitors this machine with no config)")
  .option("--config <file>", "config file (default: $VIGIL_CONFIG or ./vigil.yaml)")
  .option("--listen <host:port>", "HTTP address (default: $VIGIL_LISTEN or server.listen)")
  .option("--data <dir>", "data directory (default: $VIGIL_DATA or server.data)")
  .option("--node <name>", "the local node's name (default: $VIGIL_NODE, the node all services name, or the hostname)")
  .option("--insecure", "allow serving plain HTTP on a non-loopback address (without server.tls)")
  .action((flags) => upCommand(flags));

program
  .command("server")
  .description("run the control plane")
  .option("--config <file>", "config file (default: $VIGIL_CONFIG or ./vigil.yaml)")
  .option("--listen <host:port>", "HTTP address (default: $VIGIL_LISTEN or server.listen)")
  .option("--data <dir>", "data directory (default: $VIGIL_DATA or server.data)")
  .option("--insecure", "allow serving plain HTTP on a non-loopback address (without server.tls)")
  .action((flags) => serverCommand(flags));

program
  .command("agent")
  .description("run the agent of one node")
  .option(
    "--server <url>",
    "server URL; several replicas: repeat --server or separate URLs with commas, tried in order (default: $VIGIL_SERVER, comma-separated, or http://127.0.0.1:7070)",
    (url: string, previous: string[] | undefined) => [...(previous ?? []), url],
  )
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .option("--node <name>", "this node's name (default: $VIGIL_NODE or the hostname)")
  .option("--data <dir>", "agent data directory: outbox and service logs (default: $VIGIL_AGENT_DATA or ./vigil-agent-data)")
  .option("--outbox-max-messages <n>", "outbox bound (default: $VIGIL_OUTBOX_MAX_MESSAGES or 100000)")
  .option("--probe-listen <host:port>", "TCP probe listener that the server and peers connect to when they suspect this node (default: $VIGIL_PROBE_LISTEN or 0.0.0.0:0)")
  .option("--ca <file>", "CA that signed the server's certificate, for https:// (default: $VIGIL_CA, agent.tls.ca of --config, or the system's CAs)")
  .option("--cert <file>", "this agent's client certificate (mTLS; default: $VIGIL_CERT)")
  .option("--key <file>", "the client certificate's private key (default: $VIGIL_KEY)")
  .option("--config <file>", "a vigil.yaml whose agent.tls gives --ca, --cert and --key")
  .option("--enroll-token <token>", "one-time enrollment token (vigil token create --agent NODE), spent on the first connect for this agent's credential (default: $VIGIL_ENROLL_TOKEN)")
  .option("--read-only", "collect and probe, never act: no supervised processes, every action refused")
  .option("--insecure", "allow a plain http:// server URL that is not on loopback")
  .action((flags) => agentCommand(flags));

program
  .command("validate")
  .description("check a config file; exit 0 when valid, else list every problem and exit 1")
  .argument("[file]", "config file (default: --config, $VIGIL_CONFIG or ./vigil.yaml)")
  .option("--config <file>", "config file")
  .action((file, flags) => {
    process.exitCode = validateCommand(file, flags);
  });

program
  .command("status")
  .description("summary of nodes, services, alerts and open incidents from a running server")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await statusCommand(flags);
  });

const cluster = program.command("cluster").description("the server replicas of a cluster on PostgreSQL");
cluster
  .command("status")
  .description("each replica's URL and role, the leader and its term, nodes per replica")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL, any replica (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await clusterStatusCommand(flags);
  });

program
  .command("nodes")
  .description("each node's liveness: state, φ, the silence after which it would be suspected, risk")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await nodesCommand(flags);
  });

program
  .command("services")
  .description("each service: health, node (and where it is fenced), for how long, pid, dependencies, risk, detail")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await servicesCommand(flags);
  });

program
  .command("alerts")
  .description("pending and firing alerts, most severe first, and whether a silence, inhibition or maintenance window mutes them")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await alertsCommand(flags);
  });

program
  .command("incidents")
  .description("incidents, newest first: state, MTTD / MTTL / MTTR, title, root cause; with ID, one incident and its timeline")
  .argument("[id]", "show this incident: figures, root cause, and its timeline with the time between steps")
  .option("--open", "only incidents that are not resolved")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (id: string | undefined, flags) => {
    process.exitCode = id === undefined ? await incidentsCommand(flags) : await incidentCommand(id, flags);
  });

program
  .command("approve")
  .description("approve the recovery step (approve: true) that an incident's playbook waits for")
  .argument("<incident>", "the incident's id (see vigil incidents)")
  .option("--by <name>", "who approves (default: $VIGIL_AUTHOR or $USER)")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (incident: string, flags) => {
    process.exitCode = await approveCommand(incident, flags);
  });

program
  .command("unfence")
  .description("after a failover, let a service's old instance run again on a node it was fenced on")
  .argument("<service>", "the service's name")
  .option("--node <name>", "only this node (default: every node it is fenced on)")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (service: string, flags) => {
    process.exitCode = await unfenceCommand(service, flags);
  });

program
  .command("availability")
  .description("uptime, incidents, MTBF, MTTD, MTTR, availability and SLO error budgets per service and node")
  .option("--window <duration>", "one window such as 24h or 7d (default: 1h, 24h, 7d and 30d)")
  .option("--service <name>", "only this service")
  .option("--node <name>", "only this node")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await availabilityCommand(flags);
  });

program
  .command("advice")
  .description("recurring incidents, single points of failure, resources running out, flapping checks, failing playbooks")
  .option("--window <duration>", "how far back to look (default: 7d)")
  .option("--json", "print the API's JSON")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (flags) => {
    process.exitCode = await adviceCommand(flags);
  });

program
  .command("chaos")
  .description("inject a fault (kill, hang, crash-loop, cpu, memory, disk, fd, latency, drop, partition), list or stop faults")
  .usage("FAULT --target SERVICE|NODE [--duration 30s] [--OPTION VALUE ...] | list [--all] | stop [ID]")
  .addHelpText("after", '\nOptions per fault: see README "Chaos" or GET /api/v1/chaos/faults. --server URL (default: $VIGIL_SERVER), --token TOKEN (an operator token; default: $VIGIL_TOKEN).')
  .allowUnknownOption()
  .allowExcessArguments()
  .action(async (_flags, cmd: Command) => {
    // Loaded when used: the other commands start without the chaos, demo and game-day code.
    const { chaosCommand } = await import("./chaos-command.js");
    process.exitCode = await chaosCommand(cmd.args);
  });

program
  .command("gameday")
  .description("run a game-day scenario of faults against a running cluster and report MTTD / MTTL / MTTR, pass or fail")
  .argument("<scenario>", "scenario file (YAML), e.g. gamedays/basic.yaml")
  .option("--out <dir>", "where the Markdown and JSON reports go (default: ./gameday-reports)")
  .option("--quiet", "print only the report")
  .option("--server <url>", "server URL (default: $VIGIL_SERVER or http://127.0.0.1:7070)")
  .option("--token <token>", "API token (default: $VIGIL_TOKEN)")
  .action(async (file: string, flags) => {
    const { gamedayCommand } = await import("./gameday-command.js");
    process.exitCode = await gamedayCommand(file, flags);
  });

program
  .command("demo")
  .description("run a demo cluster: a server, three agents (node-a/b/c) and real services with dependencies; optionally random faults")
  .option("--listen <host:port>", "the server's HTTP address (default 127.0.0.1:7070; in network namespaces: the server's lab address)")
  .option("--data <dir>", "where the demo keeps its data (default: a new temporary directory, removed at exit)")
  .option("--chaos", "inject a random fault every --every")
  .option("--every <duration>", "time between random faults (default 60s)")
  .option("--loopback", "run every node on loopback even as root (no network namespaces)")
  .action(async (flags) => {
    const { demoCommand } = await import("./demo-command.js");
    process.exitCode = await demoCommand(flags);
  });

registerSilenceCommand(program);
registerTokenCommand(program);
registerAgentIdentityCommands(program);
registerAnomalyCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`vigil: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
