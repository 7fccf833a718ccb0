// PromQL durations: `5m`, `1h30m`, `100ms`, units y w d h m s ms in decreasing order, each at
// most once, integers only (Prometheus' model.ParseDuration).

const UNITS: [string, number][] = [
  ["y", 365 * 86_400_000],
  ["w", 7 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["ms", 1],
  ["m", 60_000],
  ["s", 1000],
];
const ORDER = ["y", "w", "d", "h", "m", "s", "ms"];
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Milliseconds, or null when the text is not a PromQL duration. */
export function parsePromqlDuration(text: string): number | null {
  if (text === "0") return 0;
  if (text === "") return null;
  let total = 0;
  let lastUnit = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== at) return null;
    const unit = ORDER.indexOf(m[2]!);
    if (unit <= lastUnit) return null;
    lastUnit = unit;
    total += Number(m[1]) * UNITS.find(([u]) => u === m[2])![1];
  }
  return total;
}

/** `5m`, `1h30m`: the form Prometheus prints. */
export function formatPromqlDuration(ms: number): string {
  if (ms === 0) return "0s";
  let out = "";
  let rest = ms;
  for (const unit of ORDER) {
    const size = UNITS.find(([u]) => u === unit)![1];
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
