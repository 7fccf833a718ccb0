// Live updates: one EventSource on /api/v1/events/stream. Each change the server pushes bumps
// a version number (changes arriving close together are coalesced into one bump); views that
// read the API refetch when it moves, so pages stay current without reloading.
import { useEffect, useState } from "preact/hooks";

export type LiveStatus = "connecting" | "live" | "reconnecting";

/** Changes within this many ms become one refresh. */
const COALESCE_MS = 250;

let version = 0;
let status: LiveStatus = "connecting";
const listeners = new Set<() => void>();
let source: EventSource | null = null;
let pending: ReturnType<typeof setTimeout> | null = null;

function notify(): void {
  for (const l of listeners) l();
}

function bump(): void {
  if (pending !== null) return;
  pending = setTimeout(() => {
    pending = null;
    version++;
    notify();
  }, COALESCE_MS);
}

export function startLive(): void {
  if (source) return;
  source = new EventSource("/api/v1/events/stream", { withCredentials: true });
  source.addEventListener("open", () => {
    // After a reconnect, what changed meanwhile was not heard: refresh everything once.
    if (status === "reconnecting") bump();
    status = "live";
    notify();
  });
  source.addEventListener("change", bump);
  source.addEventListener("error", () => {
    status = "reconnecting";
    notify();
  });
}

/** The live version (refetch when it changes) and the connection's status. */
export function useLive(): { version: number; status: LiveStatus } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { version, status };
}
