// The file_sd target file format (Prometheus' file_sd_configs): a JSON or YAML list of
// groups `{ targets: ["host:port", ...], labels: { name: value } }`. A file that is not
// such a list is refused whole, with the path of the offending entry.
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import type { TargetGroup } from "./target.js";

const address = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/, 'expected a target "host:port" such as "10.0.0.1:9100"');
/** Label names checked one by one, so that the error names the key. */
const labelSet = z.record(z.string(), z.string({ error: "expected a string label value" })).superRefine((labels, ctx) => {
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `expected a label name ([a-zA-Z_][a-zA-Z0-9_]*), got "${name}"` });
  }
});
const groupsSchema = z.array(
  z.strictObject({
    targets: z.array(address),
    labels: labelSet.default({}),
  }),
  { error: "expected a list of target groups { targets: [...], labels: {...} }" },
);

/** The groups in a target file's text; throws an Error naming the file and the problem. */
export function parseTargetFile(text: string, file: string): TargetGroup[] {
  let raw: unknown;
  try {
    raw = text.trim() === "" ? [] : parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not JSON or YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const result = groupsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new Error(`${file}: ${path ? `${path.replace(/^\./, "")}: ` : ""}${issue.message}`);
  }
  return result.data.map((g) => ({ targets: g.targets, labels: g.labels, source: file }));
}
