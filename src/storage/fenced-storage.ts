// The shared records, written only while this replica may act as leader (issue 11). A leader
// that lost its lease (cut off from the database, or stopped and resumed) may still have
// timers and agent messages in flight until its control plane has shut down; through this
// wrapper each of their writes fails instead — naming the write — so no journal entry,
// incident, alert, notification or node record of a deposed leader lands beside its
// successor's. Reads, API tokens and the audit log pass through (they record what people do,
// not what the control plane decides).
//
// The check is local (the lease's monotonic deadline, src/replicas/leader-lease.ts), which
// ends before the database lets the lease expire; one statement already sent when it ends can
// still land, as with any lease without a fencing check inside the database itself.
import type { Storage } from "./storage.js";

/** Storage methods that change the control plane's shared records. */
export const FENCED_WRITES = [
  "appendEvent",
  "upsertNode",
  "upsertService",
  "upsertAlert",
  "createIncident",
  "updateIncident",
  "enqueueNotification",
  "updateNotification",
  "putNotificationLog",
  "createSilence",
  "updateSilence",
  "savePlacement",
] as const satisfies readonly (keyof Storage)[];

export class NotLeaderError extends Error {}

/** `storage` whose writes (FENCED_WRITES) throw a NotLeaderError while `mayWrite()` is false. */
export function fencedStorage(storage: Storage, mayWrite: () => boolean): Storage {
  const fenced: Partial<Storage> = {};
  for (const method of FENCED_WRITES) {
    const write = storage[method] as (...args: unknown[]) => Promise<unknown>;
    (fenced as Record<string, unknown>)[method] = (...args: unknown[]) =>
      mayWrite()
        ? write.apply(storage, args)
        : Promise.reject(new NotLeaderError(`this replica no longer holds the leader lease: ${method} not written`));
  }
  return new Proxy(storage, {
    get: (target, property, receiver) =>
      Object.hasOwn(fenced, property) ? fenced[property as keyof Storage] : Reflect.get(target, property, receiver),
  });
}
