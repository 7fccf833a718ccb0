// A game day's report (pure): the per-fault results, totals per fault type (p50 / p95 of
// MTTD, MTTL and MTTR, localization accuracy, false alerts) and pass/fail, as JSON and as
// Markdown.
import { formatDuration } from "../../util/duration.js";
import type { FaultResult } from "./fault-result.js";

export interface FaultTypeTotals {
  fault: string;
  runs: number;
  passed: number;
  mttdMs: { p50: number | null; p95: number | null };
  mttlMs: { p50: number | null; p95: number | null };
  mttrMs: { p50: number | null; p95: number | null };
  /** Correctly localized / localized-or-not where a root was expected. */
  localizationAccuracy: number | null;
  falseAlerts: number;
}

export interface GamedayReport {
  scenario: string;
  startedAt: number;
  endedAt: number;
  server: string;
  results: FaultResult[];
  totals: {
    faults: number;
    passed: number;
    failed: number;
    /** Faults this cluster could not carry (a partition without network namespaces): not counted as failed. */
    skipped: number;
    localizationAccuracy: number | null;
    falseAlerts: number;
    notifications: number;
    byFault: FaultTypeTotals[];
  };
  passed: boolean;
}

/** Nearest-rank percentile of the values present; null when there are none. */
export function percentile(values: ReadonlyArray<number | null>, p: number): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function accuracy(results: readonly FaultResult[]): number | null {
  const judged = results.filter((r) => r.expectedRoot !== null && r.injectedAt !== null && !r.skipped);
  if (judged.length === 0) return null;
  return judged.filter((r) => r.localizedCorrectly === true).length / judged.length;
}

export function summarize(results: readonly FaultResult[]): GamedayReport["totals"] {
  const kinds = [...new Set(results.map((r) => r.fault))];
  const byFault = kinds.map((fault): FaultTypeTotals => {
    const rs = results.filter((r) => r.fault === fault);
    const p = (f: (r: FaultResult) => number | null) => ({ p50: percentile(rs.map(f), 50), p95: percentile(rs.map(f), 95) });
    return {
      fault,
      runs: rs.length,
      passed: rs.filter((r) => r.passed).length,
      mttdMs: p((r) => r.mttdMs),
      mttlMs: p((r) => r.mttlMs),
      mttrMs: p((r) => r.mttrMs),
      localizationAccuracy: accuracy(rs),
      falseAlerts: rs.reduce((n, r) => n + r.falseAlerts.length, 0),
    };
  });
  const passed = results.filter((r) => r.passed).length;
  const skipped = results.filter((r) => r.skipped).length;
  return {
    faults: results.length,
    passed,
    failed: results.length - passed - skipped,
    skipped,
    localizationAccuracy: accuracy(results),
    falseAlerts: results.reduce((n, r) => n + r.falseAlerts.length, 0),
    notifications: results.reduce((n, r) => n + r.notifications, 0),
    byFault,
  };
}

export function buildReport(o: { scenario: string; server: string; startedAt: number; endedAt: number; results: FaultResult[] }): GamedayReport {
  const totals = summarize(o.results);
  return { ...o, totals, passed: totals.failed === 0 };
}

const ms = (v: number | null): string => (v === null ? "—" : formatDuration(v));
const pct = (v: number | null): string => (v === null ? "—" : `${Math.round(v * 100)}%`);

export function reportMarkdown(r: GamedayReport): string {
  const lines = [
    `# Game day: ${r.scenario} — ${r.passed ? "PASSED" : "FAILED"}`,
    "",
    `Server ${r.server}, ${new Date(r.startedAt).toISOString()} to ${new Date(r.endedAt).toISOString()}.`,
    `${r.totals.passed} of ${r.totals.faults} faults passed${r.totals.skipped > 0 ? ` (${r.totals.skipped} skipped: not possible on this cluster)` : ""}; localization accuracy ${pct(r.totals.localizationAccuracy)}; ` +
      `${r.totals.falseAlerts} false alerts; ${r.totals.notifications} notifications. Times are from the injection.`,
    "",
    "| fault | target | injected | first signal | MTTD | localized to | correct | MTTL | actions | MTTR | notifications | false alerts | result |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const f of r.results) {
    const rel = (t: number | null) => (t === null || f.injectedAt === null ? "—" : `+${formatDuration(Math.max(0, t - f.injectedAt))}`);
    lines.push(
      `| ${f.name} (${f.fault}) | ${f.target} | ${f.injectedAt === null ? "—" : new Date(f.injectedAt).toISOString().slice(11, 23)} | ${rel(f.firstSignalAt)} | ${ms(f.mttdMs)} | ` +
        `${f.localizedRoot ?? "—"}${f.cause ? ` (${f.cause})` : ""} | ${f.localizedCorrectly === null ? "—" : f.localizedCorrectly ? "yes" : "no"} | ${ms(f.mttlMs)} | ` +
        `${f.actions.map((a) => `${a.action}${a.ok ? "" : " ✗"}`).join(", ") || "—"} | ${ms(f.mttrMs)} | ${f.notifications} | ${f.falseAlerts.length} | ${f.passed ? "pass" : f.skipped ? "skipped" : "FAIL"} |`,
    );
  }
  lines.push("", "## Per fault type", "", "| fault | runs | passed | MTTD p50 / p95 | MTTL p50 / p95 | MTTR p50 / p95 | localization | false alerts |", "| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const t of r.totals.byFault) {
    lines.push(
      `| ${t.fault} | ${t.runs} | ${t.passed} | ${ms(t.mttdMs.p50)} / ${ms(t.mttdMs.p95)} | ${ms(t.mttlMs.p50)} / ${ms(t.mttlMs.p95)} | ${ms(t.mttrMs.p50)} / ${ms(t.mttrMs.p95)} | ${pct(t.localizationAccuracy)} | ${t.falseAlerts} |`,
    );
  }
  const failing = r.results.filter((f) => !f.passed);
  // (skipped faults are listed with their reason too)
  if (failing.length > 0) {
    lines.push("", "## Failures", "");
    for (const f of failing) lines.push(`- **${f.name}**: ${f.failures.join("; ")}`);
  }
  const withFalse = r.results.filter((f) => f.falseAlerts.length > 0);
  if (withFalse.length > 0) {
    lines.push("", "## False alerts", "");
    for (const f of withFalse) lines.push(`- ${f.name}: ${f.falseAlerts.map((a) => `${a.alertname} (${a.service ?? a.node})`).join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}
