// A scrape's samples as the store takes them, and the series that report on the scrape
// itself (up, scrape_duration_seconds, scrape_samples_scraped), with Prometheus' rules:
// target labels are added to every series; a scraped label that clashes with one is kept
// as `exported_<name>` unless honorLabels, when the scraped value wins; labels with empty
// values are dropped (an empty label is an absent one); a sample without its own
// timestamp gets the scrape's start time.
import type { Sample } from "../protocol/messages.js";
import type { Labels } from "../tsdb/series-store.js";
import type { ParsedSample } from "./exposition/parse-exposition.js";

/** The scraped samples with the target's labels applied. */
export function scrapedSamples(parsed: readonly ParsedSample[], targetLabels: Labels, honorLabels: boolean, scrapeStartMs: number): Sample[] {
  const targetNames = Object.keys(targetLabels);
  const samples: Sample[] = new Array(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!;
    const labels: Labels = {};
    for (const name in p.labels) {
      const value = p.labels[name]!;
      if (value !== "") labels[name] = value;
    }
    for (const name of targetNames) {
      const scraped = labels[name];
      if (scraped === undefined) labels[name] = targetLabels[name]!;
      else if (!honorLabels) {
        let exported = "exported_" + name;
        while (labels[exported] !== undefined) exported = "exported_" + exported;
        labels[exported] = scraped;
        labels[name] = targetLabels[name]!;
      }
    }
    samples[i] = { name: p.name, labels, ts: p.timestampMs ?? scrapeStartMs, value: p.value };
  }
  return samples;
}

export interface ScrapeReport {
  up: boolean;
  durationMs: number;
  /** Samples the page held (0 when it could not be read). */
  samplesScraped: number;
}

/** up, scrape_duration_seconds and scrape_samples_scraped of one scrape, at its start time, with the target's labels. */
export function reportSamples(report: ScrapeReport, targetLabels: Labels, scrapeStartMs: number): Sample[] {
  const at = (name: string, value: number): Sample => ({ name, labels: { ...targetLabels }, ts: scrapeStartMs, value });
  return [at("up", report.up ? 1 : 0), at("scrape_duration_seconds", report.durationMs / 1000), at("scrape_samples_scraped", report.samplesScraped)];
}
