// `vigil unfence SERVICE [--node NODE]`: after a failover, lets the service's old instance
// run again on NODE (every node it is fenced on when omitted), through
// POST /api/v1/services/:name/unfence.
import { apiPost } from "./api-get.js";
import { apiTarget } from "./options.js";

export interface UnfenceFlags {
  node?: string;
  server?: string;
  token?: string;
}

interface UnfenceAnswer {
  nodes: string[];
  fencedOn: string[];
  node: string | null;
}

export async function unfenceCommand(service: string, flags: UnfenceFlags): Promise<number> {
  const path = `/api/v1/services/${encodeURIComponent(service)}/unfence`;
  const res = await apiPost<UnfenceAnswer>("unfence", apiTarget(flags), path, flags.node === undefined ? {} : { node: flags.node });
  if (res === null) return 1;
  const lines = [`${service} is no longer fenced on ${res.nodes.join(", ")}: its instance there may be started again.`];
  if (res.node !== null) lines.push(`It runs on ${res.node}.`);
  if (res.fencedOn.length > 0) lines.push(`Still fenced on ${res.fencedOn.join(", ")}.`);
  console.log(lines.join("\n"));
  return 0;
}
