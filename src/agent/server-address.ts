// One server (replica) an agent may connect to: the URL as configured, announced by a welcome
// or named by a redirect, turned into the agent websocket URL and checked against the
// plain-text rule (no ws:// beyond loopback without --insecure). Pure.
import { AGENT_WS_PATH } from "../protocol/messages.js";
import { plainServerUrlRefusal } from "../security/plain-transport.js";

export interface ServerAddress {
  /** As given (http(s)://HOST:PORT or a ws(s):// URL): for logs and the UDP heartbeat host. */
  readonly base: string;
  /** The agent websocket URL; two addresses with the same one are the same server. */
  readonly ws: string;
}

/** Turns a server address into the agent websocket URL. */
export function agentWebSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`server URL ${JSON.stringify(url)} is not a valid URL (expected e.g. http://127.0.0.1:7070)`);
  }
  switch (parsed.protocol) {
    case "ws:":
    case "wss:":
      return parsed.href;
    case "http:":
    case "https:":
      parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
      parsed.pathname = parsed.pathname.replace(/\/+$/, "") + AGENT_WS_PATH;
      return parsed.href;
    default:
      throw new Error(`server URL ${JSON.stringify(url)} must start with http://, https://, ws:// or wss://`);
  }
}

/**
 * The address of `url`, or an Error saying why the agent must not use it: not a URL, not
 * http(s)/ws(s), or plain text to a host beyond loopback without `insecure`.
 */
export function serverAddress(url: string, insecure: boolean): ServerAddress {
  const ws = agentWebSocketUrl(url);
  const refusal = plainServerUrlRefusal(url, insecure);
  if (refusal !== null) throw new Error(refusal);
  return { base: url, ws };
}
