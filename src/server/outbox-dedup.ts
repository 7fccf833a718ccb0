// The pure core of the hub's de-duplication by (node, seq): what to do with an outbox
// message given how far the server has processed and acknowledged that agent's outbox.
// Processed ≠ acknowledged: a message is acknowledged only once its samples are durable
// (a store checkpoint), so after a crash the agent re-sends messages the server had
// already processed — their journal entries and decisions are kept, their samples may not be.

/** How far the server got in one agent's outbox (NodeRecord's ackedSeq ≤ processedSeq). */
export interface OutboxPosition {
  ackedSeq: number;
  processedSeq: number;
}

export type OutboxDisposition =
  /** seq ≤ ackedSeq: durable already; answer with the ack again, nothing else. */
  | "acknowledged"
  /**
   * ackedSeq < seq ≤ processedSeq: processed before (a server crash or a reconnect came
   * between processing and the ack): re-append its samples, which a crash may have lost,
   * and do nothing else — no second journal entry, probe transition, alert or action result.
   */
  | "replay"
  /** seq > processedSeq: process it. */
  | "new";

export function outboxDisposition(seq: number, position: OutboxPosition | undefined): OutboxDisposition {
  if (position === undefined) return "new";
  if (seq <= position.ackedSeq) return "acknowledged";
  if (seq <= position.processedSeq) return "replay";
  return "new";
}
