// The `scrape:` section of vigil.yaml: Prometheus-style scrape jobs (src/scrape/). Names
// follow Vigil's camelCase; each key maps to a Prometheus scrape_config field (README,
// "Scraping Prometheus targets").
import { z } from "zod";
import type { duration as Duration } from "./schema.js";

const targetAddress = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/, 'expected a target "host:port" such as "127.0.0.1:9100"');
/** Label names checked one by one, so that the error names the key. */
const labelSet = z.record(z.string(), z.string({ error: "expected a string label value" })).superRefine((labels, ctx) => {
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `expected a label name ([a-zA-Z_][a-zA-Z0-9_]*), got "${name}"` });
  }
});

/** `duration` is schema.ts' (passed in: schema.ts imports this file). */
export function scrapeJobsSchema(duration: typeof Duration) {
  const job = z
    .strictObject({
      /** The `job` label of every series scraped by this job. */
      job: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "expected a job name of letters, digits, '.', '_', ':' or '-'"),
      interval: duration.default(15_000).refine((ms) => ms >= 100, { message: "expected at least 100ms" }),
      /** Default: the interval, at most 10s (as Prometheus). */
      timeout: duration.optional(),
      metricsPath: z.string().startsWith("/", { error: 'expected a path such as "/metrics"' }).default("/metrics"),
      scheme: z.enum(["http", "https"]).default("http"),
      /** On a clash, keep the scraped label's value (true) or the target's, the scraped one as exported_<name> (false). */
      honorLabels: z.boolean().default(false),
      /** A page with more samples fails the scrape (up = 0); 0: no limit. */
      sampleLimit: z.number().int().min(0).default(0),
      /** Labels added to every series of the job's targets. */
      labels: labelSet.default({}),
      /** Static targets, "host:port". */
      targets: z.array(targetAddress).default([]),
      /** file_sd target files (JSON or YAML lists of { targets, labels }); `*` allowed in the file name. */
      files: z.array(z.string().min(1)).default([]),
      /** How often target files are checked for changes. */
      refreshInterval: duration.default(5000),
    })
    .transform((j, ctx) => {
      const timeout = j.timeout ?? Math.min(j.interval, 10_000);
      if (timeout > j.interval) {
        ctx.addIssue({ code: "custom", path: ["timeout"], message: `expected at most the interval (${j.interval} ms), as a scrape must end before the next begins` });
      }
      if (j.targets.length === 0 && j.files.length === 0) ctx.addIssue({ code: "custom", message: "expected targets or files (or both)" });
      return { ...j, timeout };
    });
  return z.array(job).superRefine((jobs, ctx) => {
    const seen = new Set<string>();
    jobs.forEach((j, i) => {
      if (seen.has(j.job)) ctx.addIssue({ code: "custom", path: [i, "job"], message: `job "${j.job}" is defined twice; job names must be unique` });
      seen.add(j.job);
    });
  });
}
