// The certificate directory that `vigil certs init` fills: ca.crt/ca.key, server.crt/
// server.key and agents/<node>.crt/.key. Private keys are written 0600 (the directory 0700);
// an existing CA is reused so that later runs add agents, and no existing file is overwritten.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createCertificateAuthority,
  issueAgentCertificate,
  issueServerCertificate,
  loadCertificateAuthority,
  type IssuedCertificate,
} from "./certificates.js";

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export interface CertsInitOptions {
  dir: string;
  /** DNS names and IP addresses of the server (its SANs). */
  serverNames: string[];
  agents: string[];
  days?: number;
}

export interface CertsInitResult {
  /** Files written, in order. */
  written: string[];
  /** True when ca.crt and ca.key were there already and were used. */
  reusedCa: boolean;
}

export function agentCertPaths(dir: string, node: string): { cert: string; key: string } {
  return { cert: join(dir, "agents", `${node}.crt`), key: join(dir, "agents", `${node}.key`) };
}

export async function certsInit(o: CertsInitOptions): Promise<CertsInitResult> {
  for (const node of o.agents) {
    if (!NODE_NAME.test(node)) throw new Error(`--agents: "${node}" is not a node name (letters, digits, '.', '_', ':' or '-')`);
  }
  const caCert = join(o.dir, "ca.crt");
  const caKey = join(o.dir, "ca.key");
  const serverFiles = { cert: join(o.dir, "server.crt"), key: join(o.dir, "server.key") };
  // The server's certificate is issued once; an agent's only when it has none yet.
  for (const node of o.agents) {
    const f = agentCertPaths(o.dir, node);
    if (existsSync(f.cert) || existsSync(f.key)) throw new Error(`${f.cert} exists already: remove it first to issue a new certificate for ${node}`);
  }
  mkdirSync(join(o.dir, "agents"), { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const write = (path: string, text: string, mode: number) => {
    writeFileSync(path, text, { mode, flag: "wx" });
    written.push(path);
  };
  const reusedCa = existsSync(caCert) && existsSync(caKey);
  if (!reusedCa && (existsSync(caCert) || existsSync(caKey))) throw new Error(`${o.dir} has only one of ca.crt and ca.key: restore the other or remove both`);
  const ca = reusedCa
    ? await loadCertificateAuthority(readFileSync(caCert, "utf8"), readFileSync(caKey, "utf8"))
    : await createCertificateAuthority(o.days !== undefined ? { days: o.days } : {});
  if (!reusedCa) {
    write(caKey, ca.key, 0o600);
    write(caCert, ca.cert, 0o644);
  }
  const days = o.days !== undefined ? { days: o.days } : {};
  const save = (files: { cert: string; key: string }, issued: IssuedCertificate) => {
    write(files.key, issued.key, 0o600);
    write(files.cert, issued.cert, 0o644);
  };
  if (!existsSync(serverFiles.cert)) save(serverFiles, await issueServerCertificate(ca, o.serverNames, days));
  for (const node of o.agents) save(agentCertPaths(o.dir, node), await issueAgentCertificate(ca, node, days));
  return { written, reusedCa };
}
