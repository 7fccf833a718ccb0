// `vigil approve INCIDENT [--by NAME]`: grants the playbook step (`approve: true`) that an
// incident's recovery waits for, through POST /api/v1/incidents/:id/approve.
import { apiPost } from "./api-get.js";
import { apiTarget, operatorName } from "./options.js";

export interface ApproveFlags {
  by?: string;
  server?: string;
  token?: string;
}

export async function approveCommand(incident: string, flags: ApproveFlags): Promise<number> {
  if (!/^\d+$/.test(incident) || Number(incident) <= 0) {
    console.error(`vigil approve: "${incident}" is not an incident id (a positive number; see vigil incidents)`);
    return 1;
  }
  const by = flags.by ?? operatorName();
  const res = await apiPost<{ approved: boolean }>("approve", apiTarget(flags), `/api/v1/incidents/${incident}/approve`, { by });
  if (res === null) return 1;
  console.log(`Incident ${incident}: the waiting recovery step is approved by ${by} and runs now.`);
  return 0;
}
