// How client commands print: colour only on a terminal and never under NO_COLOR (any
// non-empty value, https://no-color.org) or TERM=dumb; aligned tables measured by what is
// visible, so coloured cells line up with plain ones.

export type Tone = "ok" | "warn" | "bad" | "info" | "dim" | "bold";

const CODES: Record<Tone, [number, number]> = {
  ok: [32, 39],
  warn: [33, 39],
  bad: [31, 39],
  info: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export function colourEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** Colours for one stream, decided once. */
export function painter(enabled = colourEnabled()): (text: string, tone: Tone) => string {
  return (text, tone) => (enabled && text !== "" ? `\x1b[${CODES[tone][0]}m${text}\x1b[${CODES[tone][1]}m` : text);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/** Columns padded to their widest visible cell, two spaces apart; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => visibleLength(r[i] ?? ""))));
  return rows
    .map((r) => r.map((cell, i) => cell + " ".repeat(Math.max(0, widths[i]! - visibleLength(cell)))).join("  ").trimEnd())
    .join("\n");
}

/** The tone of a state word as the dashboard colours it. */
export function toneOf(state: string): Tone {
  switch (state) {
    case "alive":
    case "healthy":
    case "resolved":
    case "active":
      return "ok";
    case "suspect":
    case "unreachable":
    case "pending":
    case "mitigating":
    case "verifying":
    case "warning":
    case "silenced":
      return "warn";
    case "down":
    case "unhealthy":
    case "open":
    case "escalated":
    case "firing":
    case "critical":
      return "bad";
    case "info":
      return "info";
    default:
      return "dim";
  }
}
