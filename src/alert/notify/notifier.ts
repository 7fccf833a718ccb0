// The contract of a receiver kind: one Notifier plugin per kind (webhook, slack, email,
// command), each delivering one stored notification. The dispatcher owns queueing, retries
// and the journal; a notifier only makes one attempt and says whether a retry could help.
import type { ReceiverConfig } from "../../config/schema.js";
import type { WebhookPayload } from "./webhook-payload.js";

/** About the attempt being made, for receivers that can deduplicate. */
export interface DeliveryContext {
  /**
   * The same for every attempt of one notification and unique per notification: receivers
   * that see it twice got a duplicate (sent as Idempotency-Key, Message-ID, VIGIL_NOTIFICATION_KEY).
   */
  key: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface Notifier {
  readonly kind: ReceiverKind;
  /** Resolves once the receiver accepted the notification; rejects (a DeliveryError where known) otherwise. */
  send(notification: WebhookPayload, delivery?: DeliveryContext): Promise<void>;
}

export type ReceiverKind = "webhook" | "slack" | "email" | "command";
export const RECEIVER_KINDS: readonly ReceiverKind[] = ["webhook", "slack", "email", "command"];

/**
 * A failed attempt. `retryable: false` means trying again cannot succeed (a template that
 * does not render, a receiver refusing the request as malformed), so the dispatcher gives up
 * at once instead of spending the remaining attempts.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  constructor(message: string, { retryable }: { retryable: boolean }) {
    super(message);
    this.name = "DeliveryError";
    this.retryable = retryable;
  }
}

/** Whether another attempt could succeed after `err`: yes unless a notifier said otherwise. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof DeliveryError) || err.retryable;
}

/** The one kind a receiver declares (the config schema allows exactly one). */
export function receiverKind(name: string, config: ReceiverConfig): ReceiverKind {
  const declared = RECEIVER_KINDS.filter((kind) => config[kind] !== undefined);
  if (declared.length !== 1) {
    throw new Error(
      `receiver "${name}": expected exactly one of ${RECEIVER_KINDS.join(", ")}, got ${declared.length ? declared.join(" and ") : "none"}`,
    );
  }
  return declared[0]!;
}

/** The delivery settings every kind has: per-attempt timeout (ms) and attempts before giving up. */
export function deliverySettings(name: string, config: ReceiverConfig): { timeout: number; maxAttempts: number } {
  const settings = config[receiverKind(name, config)]!;
  return { timeout: settings.timeout, maxAttempts: settings.maxAttempts };
}
