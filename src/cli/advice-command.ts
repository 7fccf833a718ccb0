// `vigil advice`: what the advisors make of the recent past (GET /api/v1/advice), most
// severe first: each item's severity, subject and kind, then its sentence; or --json.
import type { AdviceItem } from "../advice/advice.js";
import { apiGet } from "./api-get.js";
import { apiTarget, type ClientFlags } from "./options.js";

export interface AdviceFlags extends ClientFlags {
  window?: string;
}

interface AdviceResponse {
  generatedAt: number;
  window: string;
  advice: AdviceItem[];
}

export async function adviceCommand(flags: AdviceFlags): Promise<number> {
  const target = apiTarget(flags);
  const query = flags.window !== undefined ? `?${new URLSearchParams({ window: flags.window })}` : "";
  const res = await apiGet<AdviceResponse>("advice", target, `/api/v1/advice${query}`);
  if (res === null) return 1;
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  if (res.advice.length === 0) {
    console.log(`No advice for the last ${res.window}: no recurring incidents, single points of failure, resources running out, flapping checks or failing playbooks.`);
    return 0;
  }
  const lines = [`Advice for the last ${res.window} (${res.advice.length})`];
  for (const item of res.advice) lines.push("", `${item.severity.toUpperCase()}  ${item.subject}  (${item.kind})`, `  ${item.message}`);
  console.log(lines.join("\n"));
  return 0;
}
