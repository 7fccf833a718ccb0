// Incidents: open ones first, then the history, with state, figures and root cause.
import { useState } from "preact/hooks";
import { IncidentBadge } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { ago, duration } from "../format.js";
import { useApi, useNow } from "../hooks.js";
import { href } from "../router.js";
import type { IncidentView } from "../types.js";

export function IncidentsPage() {
  const now = useNow();
  const [filter, setFilter] = useState<"all" | "open">("all");
  const list = useApi<{ incidents: IncidentView[] }>(`/api/v1/incidents?limit=200${filter === "open" ? "&state=open" : ""}`);
  const incidents = [...(list.data?.incidents ?? [])].sort((a, b) => Number(a.state === "resolved") - Number(b.state === "resolved") || b.detectedAt - a.detectedAt);
  return (
    <>
      <PageHead
        title="Incidents"
        sub="Each incident gathers the failures that belong together, where Vigil found the cause, and what it did about it."
        actions={
          <div class="segmented">
            {(["all", "open"] as const).map((f) => (
              <button key={f} class={filter === f ? "on" : ""} onClick={() => setFilter(f)}>
                {f === "all" ? "All" : "Open"}
              </button>
            ))}
          </div>
        }
      />
      {list.error && <ErrorBox message={list.error} />}
      <Panel flush>
        {list.loading && !list.data ? (
          <div class="body">
            <Loading />
          </div>
        ) : incidents.length === 0 ? (
          <Empty title={filter === "open" ? "No open incidents" : "No incidents yet"}>When a service or node fails, its incident appears here.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="list" data-testid="incident-table">
              <thead>
                <tr>
                  <th>Incident</th>
                  <th>State</th>
                  <th class="num hide-phone">Detect</th>
                  <th class="num hide-phone">Repair</th>
                  <th class="num">Detected</th>
                </tr>
              </thead>
              <tbody>
                {incidents.map((i) => (
                  <tr key={i.id} data-incident={i.id} data-state={i.state}>
                    <td>
                      <a class="title" href={href.incident(i.id)}>
                        #{i.id} {i.title}
                      </a>
                      {i.rootCause && <div class="small muted">{i.rootCause}</div>}
                    </td>
                    <td>
                      <IncidentBadge state={i.state} waiting={i.waitingForApproval} />
                    </td>
                    <td class="num hide-phone">{duration(i.figures.mttdMs)}</td>
                    <td class="num hide-phone">{duration(i.figures.mttrMs)}</td>
                    <td class="num muted">{ago(i.detectedAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </>
  );
}
