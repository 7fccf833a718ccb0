// The journal: every decision Vigil makes is appended here as an event (DESIGN.md §4),
// stamped by the injected clock; listeners (API streams, tests) see each event once stored.
import type { Clock } from "../util/clock.js";
import type { EventQuery, JournalEvent, Storage } from "./storage.js";

export interface JournalEntry {
  incidentId?: number;
  node?: string;
  service?: string;
  data?: Record<string, unknown>;
  /** Defaults to the clock's now; set it for events that happened earlier (an agent's observation). */
  ts?: number;
}

export type JournalListener = (event: JournalEvent) => void;

export class Journal {
  private listeners = new Set<JournalListener>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  async record(kind: string, entry: JournalEntry = {}): Promise<JournalEvent> {
    const event = await this.storage.appendEvent({
      ts: entry.ts ?? this.clock.now(),
      kind,
      ...(entry.incidentId !== undefined && { incidentId: entry.incidentId }),
      ...(entry.node !== undefined && { node: entry.node }),
      ...(entry.service !== undefined && { service: entry.service }),
      data: entry.data ?? {},
    });
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Reads the journal back (an incident's timeline, where a playbook stood before a restart). */
  list(query: EventQuery): Promise<JournalEvent[]> {
    return this.storage.listEvents(query);
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
