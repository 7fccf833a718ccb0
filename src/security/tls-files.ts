// Reads the PEM files that TLS settings name and turns them into Node's TLS options, with
// errors that name the setting and the file. The server asks agents for a client
// certificate but verifies it itself (rejectUnauthorized: false at the TLS layer), so that
// the same port still serves API clients without one; the agent websocket decides
// (src/security/agent-authenticator.ts).
import { readFileSync } from "node:fs";
import type { SecureContextOptions, TlsOptions } from "node:tls";

export type ClientCertPolicy = "require" | "optional" | "off";

export interface ServerTlsSettings {
  cert: string;
  key: string;
  ca?: string | undefined;
  clientCerts: ClientCertPolicy;
}

export interface AgentTlsSettings {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** A TLS handshake that has not finished after this long is abandoned. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export function readPem(path: string, what: string): Buffer {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  if (!text.includes("-----BEGIN ")) throw new Error(`${what}: ${path} is not a PEM file (expected "-----BEGIN ...")`);
  return text;
}

export function serverTlsOptions(tls: ServerTlsSettings): TlsOptions {
  return {
    cert: readPem(tls.cert, "server.tls.cert"),
    key: readPem(tls.key, "server.tls.key"),
    ...(tls.ca !== undefined && { ca: readPem(tls.ca, "server.tls.ca") }),
    requestCert: tls.clientCerts !== "off",
    rejectUnauthorized: false,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    minVersion: "TLSv1.2",
  };
}

export function agentTlsOptions(tls: AgentTlsSettings): SecureContextOptions {
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error("--cert and --key go together (the agent's client certificate and its key)");
  return {
    ...(tls.ca !== undefined && { ca: readPem(tls.ca, "--ca") }),
    ...(tls.cert !== undefined && { cert: readPem(tls.cert, "--cert") }),
    ...(tls.key !== undefined && { key: readPem(tls.key, "--key") }),
  };
}
