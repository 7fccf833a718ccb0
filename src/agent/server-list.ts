// Which server replica the agent connects to next, and after how long (issue 11). Pure: the
// socket code (server-connection.ts) reports what happened — a welcome, a redirect, a lost
// link or failed attempt — and connects where this class says.
//
// The rules:
// - The list is the configured URLs, then the replicas the last welcome named (deduplicated
//   by agent websocket URL, configured first), so that an agent configured with one URL
//   still finds the others when that one dies.
// - A failed attempt or a lost link moves on to the next URL of the list (round-robin) at
//   once; only after a full round without a welcome does the agent wait, with jittered
//   exponential backoff (reconnectDelay). A welcome resets the round and the backoff.
// - A redirect is followed at once and makes its target a temporary preference: while it
//   holds, the agent is there; when it fails, the agent goes on with its list after the URL
//   that redirected it. A redirect to a URL the agent would refuse (not http(s)/ws(s), plain
//   text beyond loopback without --insecure) is refused: a redirect must not talk the agent
//   into plain text.
// - At most MAX_REDIRECTS_IN_A_ROW redirects are followed without a welcome in between; the
//   next one ends the chain: back to the list, after a backoff, with a warning naming it.
import { serverAddress, type ServerAddress } from "./server-address.js";

export const RECONNECT_INITIAL_MS = 100;
export const RECONNECT_MAX_MS = 5_000;
export const MAX_REDIRECTS_IN_A_ROW = 3;

/**
 * The wait before reconnect attempt `attempt` (0-based): the ceiling doubles from 100 ms up
 * to 5 s, and the wait is drawn uniformly from [ceiling/2, ceiling] ("equal jitter"), so that
 * agents cut off together by a server restart do not all come back in the same instant.
 */
export function reconnectDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Where to connect next, after how long (0: at once). */
export interface NextConnection {
  server: ServerAddress;
  waitMs: number;
}

export type RedirectVerdict =
  | { follow: true; target: ServerAddress; chain: string[] }
  /** Not followed: the URL is refused, or the chain is too long; `warning` says which and why. */
  | { follow: false; warning: string };

/**
 * Validates every configured URL; throws an Error naming the first bad one (and its place
 * in the list when there are several).
 */
export function configuredServers(urls: readonly string[], insecure: boolean): ServerAddress[] {
  if (urls.length === 0) throw new Error("no server URL given: the agent needs at least one (e.g. http://127.0.0.1:7070)");
  return urls.map((url, i) => {
    try {
      return serverAddress(url, insecure);
    } catch (err) {
      const message = (err as Error).message;
      throw new Error(urls.length === 1 ? message : `server URL ${i + 1} of ${urls.length} (${url}): ${message}`);
    }
  });
}

function dedupe(servers: readonly ServerAddress[]): ServerAddress[] {
  const seen = new Set<string>();
  return servers.filter((s) => !seen.has(s.ws) && seen.add(s.ws));
}

export class ServerList {
  private readonly configured: ServerAddress[];
  private servers: ServerAddress[];
  /** The list entry the agent is at, or went on from when a redirect took it elsewhere; -1: before the first. */
  private position = 0;
  /** Where a redirect took the agent (the temporary preference), or null: at servers[position]. */
  private redirectTarget: ServerAddress | null = null;
  /** Decided by redirected(), taken by the next disconnected(). */
  private planned: NextConnection | null = null;
  /** List entries tried since the last welcome or backoff. */
  private triedInRound = 0;
  /** Backoffs since the last welcome: the exponent of reconnectDelay. */
  private backoffs = 0;
  /** The websocket URLs of the current redirect chain: where it started, then each target. */
  private chain: string[] = [];

  constructor(
    configuredUrls: readonly string[],
    private readonly options: { insecure: boolean; random: () => number },
  ) {
    this.configured = dedupe(configuredServers(configuredUrls, options.insecure));
    this.servers = [...this.configured];
  }

  /** The server the agent is connected to, or connecting to. */
  current(): ServerAddress {
    return this.redirectTarget ?? this.servers[this.position] ?? this.servers[0]!;
  }

  /** The list: configured servers first, then the learned replicas. */
  all(): readonly ServerAddress[] {
    return this.servers;
  }

  /**
   * The current server welcomed the agent: the round, backoff and redirect chain start over.
   * `replicas` (the welcome's, when present) replace the replicas learned before; those the
   * agent must not use are left out and returned with the reason.
   */
  welcomed(replicas?: readonly string[]): { refused: string[] } {
    this.triedInRound = 0;
    this.backoffs = 0;
    this.chain = [];
    this.planned = null;
    const refused: string[] = [];
    if (replicas === undefined) return { refused };
    const learned: ServerAddress[] = [];
    for (const url of replicas) {
      try {
        learned.push(serverAddress(url, this.options.insecure));
      } catch (err) {
        refused.push((err as Error).message);
      }
    }
    const here = this.current();
    const at = this.servers[this.position];
    this.servers = dedupe([...this.configured, ...learned]);
    // Rotation goes on after the same entry; after one no longer listed, from the start.
    this.position = at === undefined ? -1 : this.servers.findIndex((s) => s.ws === at.ws);
    // A welcoming server that is not in its own list stays where the agent is until it fails.
    if (this.redirectTarget === null && this.position === -1) this.redirectTarget = here;
    return { refused };
  }

  /** The current server answered with a redirect to `url`: follow it, or say why not. */
  redirected(url: string): RedirectVerdict {
    const from = this.current();
    let target: ServerAddress;
    try {
      target = serverAddress(url, this.options.insecure);
    } catch (err) {
      // Counted like a failure of the server that sent it (by the disconnected() that follows).
      this.chain = [];
      return { follow: false, warning: `refusing the redirect from ${from.ws} to ${url}: ${(err as Error).message}` };
    }
    const chain = [...(this.chain.length === 0 ? [from.ws] : this.chain), target.ws];
    if (chain.length - 1 > MAX_REDIRECTS_IN_A_ROW) {
      this.chain = [];
      this.redirectTarget = null;
      this.planned = this.backOff();
      return {
        follow: false,
        warning: `more than ${MAX_REDIRECTS_IN_A_ROW} redirects in a row without a welcome (${chain.join(" → ")}): back to the server list after a backoff`,
      };
    }
    this.chain = chain;
    this.redirectTarget = target;
    this.planned = { server: target, waitMs: 0 };
    return { follow: true, target, chain: [...chain] };
  }

  /**
   * The connection ended: an attempt failed, the link died, or the agent left after a
   * redirect. Returns where to connect next and after how long.
   */
  disconnected(): NextConnection {
    if (this.planned !== null) {
      const planned = this.planned;
      this.planned = null;
      return planned;
    }
    // A failure; a redirect target that fails is given up, the list goes on.
    this.redirectTarget = null;
    this.chain = [];
    this.triedInRound++;
    if (this.triedInRound >= this.servers.length) return this.backOff();
    this.advance();
    return { server: this.current(), waitMs: 0 };
  }

  /** Every entry was tried (or a redirect chain was cut): the next entry, after a backoff. */
  private backOff(): NextConnection {
    this.triedInRound = 0;
    this.advance();
    return { server: this.current(), waitMs: reconnectDelay(this.backoffs++, this.options.random) };
  }

  private advance(): void {
    this.position = (this.position + 1) % this.servers.length;
  }
}
