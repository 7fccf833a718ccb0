// `vigil certs init`: a CA, the server's certificate and agents' client certificates in one
// directory (src/security/cert-files.ts), and the settings that use them.
import { resolve } from "node:path";

export interface CertsInitFlags {
  dir?: string;
  serverName?: string[];
  agents?: string;
  days?: string;
}

/** localhost and 127.0.0.1 are always among the server's names, so local agents and `vigil up` verify it too. */
const LOCAL_NAMES = ["localhost", "127.0.0.1"];

export async function certsInitCommand(flags: CertsInitFlags): Promise<number> {
  const dir = resolve(flags.dir ?? "./vigil-certs");
  const serverNames = [...new Set([...(flags.serverName ?? []), ...LOCAL_NAMES])];
  const agents = (flags.agents ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
  const days = flags.days === undefined ? undefined : Number(flags.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new Error(`--days: expected a whole number of days, got "${flags.days}"`);
  // Loaded only here: the certificate library is not needed by any other command.
  const { agentCertPaths, certsInit } = await import("../security/cert-files.js");
  const result = await certsInit({ dir, serverNames, agents, ...(days !== undefined && { days }) });
  console.log(result.reusedCa ? `Using the CA in ${dir}` : `Created a CA in ${dir}`);
  for (const file of result.written) console.log(`  wrote ${file}`);
  console.log(`\nServer (vigil.yaml), names ${serverNames.join(", ")}:`);
  console.log(`  server:\n    tls: { cert: ${resolve(dir, "server.crt")}, key: ${resolve(dir, "server.key")}, ca: ${resolve(dir, "ca.crt")}, clientCerts: optional }`);
  for (const node of agents) {
    const f = agentCertPaths(dir, node);
    console.log(`Agent ${node}:\n  vigil agent --server https://SERVER:7070 --node ${node} --ca ${resolve(dir, "ca.crt")} --cert ${f.cert} --key ${f.key}`);
  }
  console.log("Copy each agent only its own .crt/.key and ca.crt; keep ca.key off the nodes.");
  return 0;
}
