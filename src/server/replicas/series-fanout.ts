// Queries across replicas: each replica's store holds the series of the nodes it owns, so
// the leader answers a series query by asking every other live replica at once for the
// series the query reads (peer-series-client.ts) and reading them together with its own
// (merged-series.ts). A replica that fails or does not answer within the timeout leaves the
// answer to the others, and a warning names it; one that refuses because the query is too
// big fails the query (ReplicaLimitError): that would not go away by asking again. Without
// other replicas the store is read directly, exactly as on a single server.
import type { Expr } from "../../promql/ast.js";
import { DEFAULT_LOOKBACK_MS } from "../../promql/engine.js";
import { selectorText } from "../../promql/selector-text.js";
import { selectorWindows } from "../../promql/selector-windows.js";
import type { SeriesReader, SeriesRef, Aggregate } from "../../tsdb/series-store.js";
import { MergedSeries } from "./merged-series.js";
import { ReplicaLimitError, fetchPeerSeries, type ReplicaPeer } from "./peer-series-client.js";
import type { ReplicaSeriesRequest } from "./series-wire.js";

export { ReplicaLimitError, type ReplicaPeer };

/** How long one replica's answer may take. */
export const DEFAULT_PEER_TIMEOUT_MS = 2000;

export interface SeriesFanoutOptions {
  /** This replica's own series. */
  local: SeriesReader;
  /** The other live replicas (not this one). */
  peers(): readonly ReplicaPeer[];
  /** The cluster key to call them with (src/replicas/cluster-key.ts). */
  key(): string | null;
  timeoutMs?: number;
}

export interface FannedOut<T> {
  value: T;
  /** One line per replica that did not answer: "replica r2 (http://…) did not answer: …". */
  warnings: string[];
}

export class SeriesFanout {
  private readonly timeoutMs: number;

  constructor(private readonly o: SeriesFanoutOptions) {
    this.timeoutMs = o.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  }

  /** Whether there is another live replica to ask now. */
  hasPeers(): boolean {
    return this.o.peers().length > 0;
  }

  /**
   * A reader of the whole cluster's series for `selectors` (PromQL vector selectors) in
   * [from, to]: the local store plus what the other replicas answered. Reads outside these
   * selectors or that range see the local store only. Without peers (or selectors): the store itself.
   */
  async reader(selectors: readonly string[], from: number, to: number, options: { aggregate?: Aggregate } = {}): Promise<FannedOut<SeriesReader>> {
    const peers = this.o.peers();
    if (peers.length === 0 || selectors.length === 0) return { value: this.o.local, warnings: [] };
    const request: ReplicaSeriesRequest = { selectors: [...new Set(selectors)], ...wholeMs(from, to), ...(options.aggregate !== undefined && { aggregate: options.aggregate }) };
    const { answers, warnings } = await this.ask(peers, request);
    return { value: new MergedSeries(this.o.local, answers.flat()), warnings };
  }

  /**
   * What a PromQL expression evaluated over [start, end] reads, from the whole cluster: the
   * series its selectors name, over the widest range its lookback, ranges and offsets reach.
   */
  async readerFor(expr: Expr, start: number, end: number): Promise<FannedOut<SeriesReader>> {
    const windows = selectorWindows(expr, start, end, DEFAULT_LOOKBACK_MS);
    if (windows.length === 0) return { value: this.o.local, warnings: [] };
    const from = Math.min(...windows.map((w) => w.from));
    const to = Math.max(...windows.map((w) => w.to));
    return this.reader(windows.map((w) => selectorText(w.selector)), from, to);
  }

  /**
   * The other replicas' series matching `selectors`, without points: those with data in
   * [from, to], or every one they hold when `window` is null. The local store is not read.
   */
  async remoteSeries(selectors: readonly string[], window: { from: number; to: number } | null): Promise<FannedOut<SeriesRef[]>> {
    const peers = this.o.peers();
    if (peers.length === 0 || selectors.length === 0) return { value: [], warnings: [] };
    const request: ReplicaSeriesRequest = { selectors: [...new Set(selectors)], points: false, ...(window !== null && wholeMs(window.from, window.to)) };
    const { answers, warnings } = await this.ask(peers, request);
    return { value: answers.flat().map((s) => ({ name: s.name, labels: s.labels })), warnings };
  }

  /** Every peer at once; those that fail become warnings; a limit refusal fails the whole. */
  private async ask(peers: readonly ReplicaPeer[], request: ReplicaSeriesRequest) {
    const key = this.o.key();
    const outcomes = await Promise.allSettled(
      peers.map((peer) => (key === null ? Promise.reject(new Error("this replica has no cluster key to call it with")) : fetchPeerSeries(peer, key, request, this.timeoutMs))),
    );
    const answers = [];
    const warnings: string[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === "fulfilled") {
        answers.push(outcome.value);
        continue;
      }
      if (outcome.reason instanceof ReplicaLimitError) throw outcome.reason;
      const peer = peers[i]!;
      warnings.push(`replica ${peer.name} (${peer.url}) did not answer: ${(outcome.reason as Error).message}; its series are missing from this answer`);
    }
    return { answers, warnings };
  }
}

/** [from, to] widened to whole ms and clamped to safe integers (an open end is the farthest one), as replicas take it. */
function wholeMs(from: number, to: number): { from: number; to: number } {
  return { from: Math.max(Math.floor(from), Number.MIN_SAFE_INTEGER), to: Math.min(Math.ceil(to), Number.MAX_SAFE_INTEGER) };
}
