// Readers for fault options as they arrive from the CLI (strings) or the API (JSON): each
// returns a typed value or throws a ChaosSpecError naming `options.<name>` and what was expected.
import { parseDuration } from "../util/duration.js";
import { ChaosSpecError } from "./chaos-spec-error.js";

export type RawOptions = Readonly<Record<string, unknown>>;

const SIZE_UNITS: Record<string, number> = { "": 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** Refuses options the fault does not know, so a typo is not silently ignored. */
export function onlyKnownOptions(fault: string, raw: RawOptions, known: readonly string[]): void {
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) {
      const list = known.length > 0 ? `it takes ${known.map((k) => `--${k}`).join(", ")}` : "it takes no options";
      throw new ChaosSpecError(`options.${name}`, `unknown option of fault "${fault}" (${list})`);
    }
  }
}

/** Bytes from 1048576, "64MB", "1.5GiB". */
export function sizeOption(raw: RawOptions, name: string, fallback: number): number {
  const v = raw[name];
  if (v === undefined) return fallback;
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return Math.round(v);
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(v.trim()) : null;
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new ChaosSpecError(`options.${name}`, `expected a size such as "64MB" or "1GiB", got ${JSON.stringify(v)}`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** A rate in bytes per second: "20MB/s" or a size (per second). */
export function rateOption(raw: RawOptions, name: string, fallback: number): number {
  const v = raw[name];
  if (typeof v === "string" && v.trim().endsWith("/s")) return sizeOption({ [name]: v.trim().slice(0, -2) }, name, fallback);
  return sizeOption(raw, name, fallback);
}

export function durationOption(raw: RawOptions, name: string, fallback: number): number {
  const v = raw[name];
  if (v === undefined) return fallback;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  const ms = typeof v === "string" ? parseDuration(v) : null;
  if (ms === null) throw new ChaosSpecError(`options.${name}`, `expected a duration such as "500ms" or "2s", got ${JSON.stringify(v)}`);
  return ms;
}

/** A whole number in [min, max]. */
export function countOption(raw: RawOptions, name: string, fallback: number, min: number, max: number): number {
  const v = raw[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ChaosSpecError(`options.${name}`, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A number in (0, 1]; "95%" is accepted too. */
export function ratioOption(raw: RawOptions, name: string, fallback: number): number {
  const v = raw[name];
  if (v === undefined) return fallback;
  let n: number = Number.NaN;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^\d+(\.\d+)?%$/.test(v.trim())) n = Number(v.trim().slice(0, -1)) / 100;
  else if (typeof v === "string" && /^\d*\.?\d+$/.test(v.trim())) n = Number(v);
  if (!(n > 0 && n <= 1)) throw new ChaosSpecError(`options.${name}`, `expected a ratio above 0 and at most 1 (0.95 or "95%"), got ${JSON.stringify(v)}`);
  return n;
}

export function pathOption(raw: RawOptions, name: string, fallback: string): string {
  const v = raw[name];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !v.startsWith("/")) throw new ChaosSpecError(`options.${name}`, `expected an absolute path, got ${JSON.stringify(v)}`);
  return v;
}
