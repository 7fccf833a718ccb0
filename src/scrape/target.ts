// A scrape target: where to scrape (URL) and the labels its series get, derived as
// Prometheus derives them: the job's and the target group's labels, `job`, `instance`
// (the address unless a group sets it), `__scheme__` / `__metrics_path__` overriding the
// job's, and every other `__`-prefixed label dropped.
import type { Labels } from "../tsdb/series-store.js";
import { seriesKey } from "../tsdb/labels.js";

export interface TargetGroup {
  targets: string[];
  labels: Labels;
  /** Where the group came from (a file, or "static"), for messages. */
  source: string;
}

export interface ScrapeJobSettings {
  job: string;
  scheme: "http" | "https";
  metricsPath: string;
  intervalMs: number;
  timeoutMs: number;
  honorLabels: boolean;
  /** More samples than this fail the scrape; 0 is no limit. */
  sampleLimit: number;
}

export interface Target {
  job: string;
  url: string;
  /** The labels every series of the target gets (job, instance, group and job labels). */
  labels: Labels;
  /** The identity of the target in its job (URL and labels): equal keys are the same target. */
  key: string;
}

/** The targets of one group, with the job's settings and labels (a group's labels override the job's). */
export function targetsOf(job: ScrapeJobSettings, jobLabels: Labels, group: TargetGroup): Target[] {
  return group.targets.map((address) => {
    const all: Labels = { ...jobLabels, ...group.labels, job: group.labels["job"] ?? job.job };
    const scheme = all["__scheme__"] ?? job.scheme;
    const path = all["__metrics_path__"] ?? job.metricsPath;
    const labels: Labels = {};
    for (const [name, value] of Object.entries(all)) if (!name.startsWith("__") && value !== "") labels[name] = value;
    labels["instance"] ??= address;
    const url = `${scheme}://${address}${path.startsWith("/") ? path : "/" + path}`;
    return { job: job.job, url, labels, key: seriesKey(url, labels) };
  });
}
