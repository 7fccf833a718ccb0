// Keeping secrets out of text that leaves the process (log lines): Vigil's own tokens are
// recognised by their prefix, and secret values taken from the config (SMTP passwords,
// webhook headers and credentials, Slack URLs) are registered and replaced wherever they occur.

/** Prefix of API tokens (`vigil token create`). */
export const API_TOKEN_PREFIX = "vgt_";
/** Prefix of dashboard session ids (the cookie's value). */
export const SESSION_ID_PREFIX = "vgs_";

const REDACTED = "<redacted>";
/** A Vigil token or session id: prefix, then base64url. */
const VIGIL_SECRET = /\bvg[ts]_[A-Za-z0-9_-]{16,}/g;
/** Shorter values are too likely to occur by chance to be replaced everywhere. */
const MIN_SECRET_LENGTH = 4;

export class SecretScrubber {
  private readonly values = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Registers a secret value, also in the form JSON escapes it to. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.values.add(secret);
    this.values.add(JSON.stringify(secret).slice(1, -1));
  }

  /** The text with every Vigil token and registered secret replaced by `<redacted>`. */
  scrub(text: string): string {
    let out = text.replace(VIGIL_SECRET, (m) => `${m.slice(0, 4)}${REDACTED}`);
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out;
  }
}
