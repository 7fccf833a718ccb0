// Delivers one notification body to a webhook receiver: an HTTP POST of JSON that succeeds
// on 2xx. Errors name the status or the network failure, never a credential (header values,
// a URL's user:password).

export interface WebhookTarget {
  url: string;
  /** Milliseconds before the request is abandoned. */
  timeout: number;
  headers: Record<string, string>;
}

/** How much of a refusing receiver's response body goes into the error, for diagnosis. */
const ERROR_BODY_CHARS = 200;

export async function sendWebhook(target: WebhookTarget, body: string): Promise<void> {
  const { url, basicAuth } = splitCredentials(target.url);
  const where = url;
  const secrets = { ...target.headers, ...(basicAuth && { basicAuth }) };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Vigil",
        ...(basicAuth && { authorization: basicAuth }),
        ...target.headers,
      },
      body,
      signal: AbortSignal.timeout(target.timeout),
    });
  } catch (err) {
    throw new Error(redact(`POST ${where} failed: ${networkReason(err, target.timeout)}`, secrets));
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return;
  }
  const detail = await response.text().then(
    (text) => text.trim().slice(0, ERROR_BODY_CHARS),
    () => "",
  );
  throw new Error(redact(`HTTP ${response.status} from ${where}${detail ? `: ${detail}` : ""}`, secrets));
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
