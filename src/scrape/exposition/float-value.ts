// Sample values and timestamps as the exposition formats write them: Go's ParseFloat
// syntax for values (decimal or exponent notation, NaN, ±Inf in any letter case),
// integer milliseconds for text-format timestamps, decimal seconds for OpenMetrics ones.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
};

/** The value a token stands for, or null when it is not a number. */
export function parseFloatToken(token: string): number | null {
  if (DECIMAL.test(token)) return Number(token);
  const special = SPECIAL[token.toLowerCase()];
  return special === undefined ? null : special;
}

const INTEGER = /^-?\d{1,16}$/;

/** A text-format timestamp (integer ms since the epoch), or null. */
export function parseMillisecondsToken(token: string): number | null {
  if (!INTEGER.test(token)) return null;
  const ms = Number(token);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** An OpenMetrics timestamp (seconds since the epoch, fractions allowed) in whole ms, or null. */
export function parseSecondsToken(token: string): number | null {
  if (!DECIMAL.test(token)) return null;
  const ms = Math.round(Number(token) * 1000);
  return Number.isSafeInteger(ms) ? ms : null;
}
