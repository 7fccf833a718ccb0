// The secret values a config holds (usually from `${ENV}`): SMTP passwords, webhook header
// values and URL credentials, Slack webhook URLs, the password of the PostgreSQL storage URL
// (server.storage or $VIGIL_DATABASE_URL). The logger scrubs them from every line.
import type { VigilConfig } from "./schema.js";

export function configSecrets(config: VigilConfig, env: Record<string, string | undefined> = process.env): string[] {
  const secrets: string[] = [];
  const storageUrl = config.server.storage ?? env.VIGIL_DATABASE_URL;
  if (storageUrl) secrets.push(...urlCredentials(storageUrl));
  for (const receiver of Object.values(config.notify.receivers)) {
    if (receiver.email?.smtp.password) secrets.push(receiver.email.smtp.password);
    if (receiver.webhook) {
      secrets.push(...urlCredentials(receiver.webhook.url));
      for (const value of Object.values(receiver.webhook.headers)) secrets.push(...headerSecrets(value));
    }
    // A Slack incoming-webhook URL is itself the credential.
    if (receiver.slack) secrets.push(receiver.slack.url);
  }
  return secrets.filter((s) => s.length > 0);
}

/** `Bearer abc` → the whole value and `abc`, so either form is caught. */
function headerSecrets(value: string): string[] {
  const credential = /^\s*\S+\s+(\S.*)$/.exec(value)?.[1];
  return credential ? [value, credential] : [value];
}

function urlCredentials(raw: string): string[] {
  try {
    const url = new URL(raw);
    if (url.password === "") return [];
    return [url.password, decodeURIComponent(url.password)];
  } catch {
    return [];
  }
}
