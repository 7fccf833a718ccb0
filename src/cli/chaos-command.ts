// `vigil chaos FAULT --target T ...`, `vigil chaos list`, `vigil chaos stop [ID]`: fault
// injection through the server's API (POST/GET/DELETE /api/v1/chaos).
import type { Injection } from "../chaos/chaos-ledger.js";
import { formatDuration } from "../util/duration.js";
import { apiDelete, apiGet, apiPost, formatTable } from "./api-get.js";
import { parseChaosArgs } from "./chaos-args.js";
import { apiTarget } from "./options.js";

export async function chaosCommand(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseChaosArgs(argv);
  } catch (err) {
    console.error(`vigil chaos: ${(err as Error).message}`);
    return 2;
  }
  const base = apiTarget({ ...(args.server !== undefined && { server: args.server }), ...(args.token !== undefined && { token: args.token }) });
  if (args.command === "inject") {
    const res = await apiPost<{ injection: Injection }>("chaos", base, "/api/v1/chaos", {
      fault: args.fault,
      target: args.target,
      ...(args.duration !== undefined && { duration: args.duration }),
      options: args.options,
    });
    if (res === null) return 1;
    const i = res.injection;
    if (args.json) console.log(JSON.stringify(i, null, 2));
    else if (i.state === "pending") console.log(`${i.id}: ${i.fault} on ${i.target} sent to ${i.node}; no answer yet (see vigil chaos list)`);
    else console.log(`${i.id}: ${i.fault} on ${i.target} (${i.node}) injected; reverts at ${new Date(i.endsAt!).toISOString()} (in ${formatDuration(i.durationMs)}), or: vigil chaos stop ${i.id}`);
    return 0;
  }
  if (args.command === "list") {
    const res = await apiGet<{ injections: Injection[] }>("chaos", base, `/api/v1/chaos${args.all ? "" : "?state=active"}`);
    if (res === null) return 1;
    if (args.json) {
      console.log(JSON.stringify(res.injections, null, 2));
      return 0;
    }
    if (res.injections.length === 0) {
      console.log(args.all ? "No fault injections." : "No active faults.");
      return 0;
    }
    const rows = [["ID", "FAULT", "TARGET", "NODE", "STATE", "INJECTED", "ENDS", "DETAIL"]];
    for (const i of res.injections) {
      rows.push([
        i.id,
        i.fault,
        i.target,
        i.node,
        i.state,
        i.injectedAt ? new Date(i.injectedAt).toISOString() : "—",
        i.revertedAt ? `reverted (${i.revertReason})` : i.endsAt ? new Date(i.endsAt).toISOString() : "—",
        i.error ?? i.detail ?? "",
      ]);
    }
    console.log(formatTable(rows));
    return 0;
  }
  const ids = args.id !== undefined ? [args.id] : ((await apiGet<{ injections: Injection[] }>("chaos", base, "/api/v1/chaos?state=active"))?.injections.map((i) => i.id) ?? null);
  if (ids === null) return 1;
  if (ids.length === 0) {
    console.log("No active faults to stop.");
    return 0;
  }
  let failed = 0;
  for (const id of ids) {
    const res = await apiDelete<{ injection: Injection }>("chaos", base, `/api/v1/chaos/${encodeURIComponent(id)}`);
    if (res === null) failed++;
    else console.log(`${id}: ${res.injection.state}${res.injection.detail ? ` — ${res.injection.detail}` : ""}`);
  }
  return failed > 0 ? 1 : 0;
}
