// What the dashboard hears without polling: each change (a journal event, a node's liveness
// state) is serialized once into a server-sent-events frame and written to every listening
// client, so the cost is one JSON.stringify per change whatever the number of browsers.

/** A connected client: receives ready-made SSE frames. */
export type FrameSink = (frame: string) => void;

/** What a change is about; the dashboard refetches the views that show it. */
export interface LiveChange {
  /** "journal" (with the event's kind), "node" (a liveness state that is not journalled). */
  topic: string;
  [field: string]: unknown;
}

export class LiveFeed {
  private readonly sinks = new Set<FrameSink>();
  private nextId = 1;

  /** Adds a client; returns the function that removes it. */
  listen(sink: FrameSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  get listeners(): number {
    return this.sinks.size;
  }

  /** Sends one change to every client (nothing is built when nobody listens). */
  publish(change: LiveChange): void {
    if (this.sinks.size === 0) return;
    const frame = sseFrame(this.nextId++, "change", change);
    for (const sink of this.sinks) sink(frame);
  }
}

/** One SSE message: `id`, `event` and a single-line `data` (JSON never holds a raw newline). */
export function sseFrame(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
