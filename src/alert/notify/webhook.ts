// The webhook receiver kind: an HTTP POST of the Alertmanager webhook v4 payload, exactly as
// stored, that succeeds on 2xx. Errors name the status or the network failure, never a
// credential (header values, a URL's user:password). Slack posts through sendWebhook too.
import type { ReceiverConfig } from "../../config/schema.js";
import { DeliveryError, type DeliveryContext, type Notifier } from "./notifier.js";
import type { WebhookPayload } from "./webhook-payload.js";

export interface WebhookTarget {
  url: string;
  /** Milliseconds before the request is abandoned. */
  timeout: number;
  headers: Record<string, string>;
}

/** How much of a refusing receiver's response body goes into the error, for diagnosis. */
const ERROR_BODY_CHARS = 200;

export interface WebhookSendOptions {
  /** Sent as the Idempotency-Key header (IETF httpapi draft): the same on every attempt of a notification. */
  idempotencyKey?: string;
  /** How errors name the receiver instead of its URL (a Slack URL is itself the secret). */
  describeAs?: string;
}

export type WebhookConfig = NonNullable<ReceiverConfig["webhook"]>;

export class WebhookNotifier implements Notifier {
  readonly kind = "webhook";

  constructor(private readonly config: WebhookConfig) {}

  send(notification: WebhookPayload, delivery?: DeliveryContext): Promise<void> {
    return sendWebhook(this.config, JSON.stringify(notification), {
      ...(delivery !== undefined && { idempotencyKey: delivery.key }),
    });
  }
}

/**
 * POSTs `body` as JSON. Rejects with a DeliveryError, retryable unless the receiver refused
 * the body itself (400, 413, 414, 415, 422): that answer would come again for the same body,
 * and retrying it would hold up the receiver's later notifications. Everything else (network
 * errors, timeouts, 5xx, but also 401/403/404, often a proxy or token being fixed) is retried.
 */
export async function sendWebhook(target: WebhookTarget, body: string, options: WebhookSendOptions = {}): Promise<void> {
  const { url, basicAuth } = splitCredentials(target.url);
  const where = options.describeAs ?? url;
  const secrets = { ...target.headers, ...(basicAuth && { basicAuth }) };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Vigil",
        ...(basicAuth && { authorization: basicAuth }),
        ...(options.idempotencyKey !== undefined && { "idempotency-key": options.idempotencyKey }),
        ...target.headers,
      },
      body,
      signal: AbortSignal.timeout(target.timeout),
    });
  } catch (err) {
    throw new DeliveryError(redact(`POST ${where} failed: ${networkReason(err, target.timeout)}`, secrets), { retryable: true });
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return;
  }
  const detail = await response.text().then(
    (text) => text.trim().slice(0, ERROR_BODY_CHARS),
    () => "",
  );
  throw new DeliveryError(redact(`HTTP ${response.status} from ${where}${detail ? `: ${detail}` : ""}`, secrets), {
    retryable: retryableStatus(response.status),
  });
}

/** Statuses that reject the request body itself, so the same body gets them again. */
const BODY_REFUSED = new Set([400, 413, 414, 415, 422]);

function retryableStatus(status: number): boolean {
  return !BODY_REFUSED.has(status);
}

function networkReason(err: unknown, timeout: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `timed out after ${timeout}ms`;
  }
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`.
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * fetch refuses URLs with user:password (and would print them in its error); like Go's
 * client under Alertmanager, they become a Basic Authorization header instead, and the
 * URL without them is the one requested and named in errors.
 */
function splitCredentials(raw: string): { url: string; basicAuth: string | null } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw, basicAuth: null };
  }
  if (parsed.username === "" && parsed.password === "") return { url: raw, basicAuth: null };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), basicAuth: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

/** Header values are credentials more often than not; a receiver may echo them back in its body. */
function redact(message: string, headers: Record<string, string>): string {
  let out = message;
  for (const value of Object.values(headers)) {
    const secrets = [value, ...value.split(/\s+/).filter((part) => part.length >= 8)];
    for (const secret of secrets) {
      if (secret.length >= 4) out = out.split(secret).join("<redacted>");
    }
  }
  return out;
}
