// Availability: per service and node over a window — uptime, incidents, MTBF / MTTD / MTTR,
// A, and for services with an SLO the error budget left and how fast it burns.
import { useState } from "preact/hooks";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { duration, percent } from "../format.js";
import { useApi } from "../hooks.js";
import { href } from "../router.js";
import type { AvailabilityReport, ComponentAvailability } from "../types.js";

const WINDOWS = ["1h", "24h", "7d", "30d"];

function uptimeTone(p: number | null): string {
  if (p === null) return "var(--faint)";
  return p >= 99.9 ? "var(--ok)" : p >= 99 ? "var(--warn)" : "var(--bad)";
}

function Budget({ c }: { c: ComponentAvailability }) {
  const slo = c.slo;
  if (!slo) return <span class="faint">no SLO</span>;
  const left = slo.remaining;
  const tone = left === null ? "var(--faint)" : left > 0.5 ? "var(--ok)" : left > 0 ? "var(--warn)" : "var(--bad)";
  return (
    <div style={{ minWidth: 150 }}>
      <div class="row small" style={{ justifyContent: "space-between" }}>
        <span>
          {slo.targetPercent}% / {duration(slo.windowMs)}
        </span>
        <span style={{ color: tone, fontWeight: 650 }}>{left === null ? "–" : left < 0 ? "overspent" : `${Math.round(left * 100)}% left`}</span>
      </div>
      <div class="budget" style={{ marginTop: 5 }}>
        <span style={{ width: `${Math.max(0, Math.min(1, left ?? 0)) * 100}%`, background: tone }} />
      </div>
    </div>
  );
}

function Table({ rows, kind }: { rows: ComponentAvailability[]; kind: "service" | "node" }) {
  return (
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th>{kind === "service" ? "Service" : "Node"}</th>
            <th class="num">Uptime</th>
            <th class="num hide-phone">Observed</th>
            <th class="num">Incidents</th>
            <th class="num hide-phone">MTBF</th>
            <th class="num hide-phone">MTTD</th>
            <th class="num hide-phone">MTTR</th>
            <th class="num hide-phone">A</th>
            {kind === "service" && <th>Error budget</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => {
            const w = c.windows[0]!;
            return (
              <tr key={c.name}>
                <td>
                  <a class="title" href={kind === "service" ? href.service(c.name) : href.node(c.name)}>
                    {c.name}
                  </a>
                  {c.node && <div class="small muted">on {c.node}</div>}
                </td>
                <td class="num" style={{ color: uptimeTone(w.uptimePercent), fontWeight: 700 }}>
                  {percent(w.uptimePercent, 3)}
                </td>
                <td class="num hide-phone muted">{w.observedPercent.toFixed(0)}%</td>
                <td class="num">{w.openIncidents ? `${w.incidents} (${w.openIncidents} open)` : w.incidents}</td>
                <td class="num hide-phone">{w.incidents === 0 && w.upMs > 0 ? `>${duration(w.upMs)}` : duration(w.mtbfMs)}</td>
                <td class="num hide-phone">{duration(w.mttdMs)}</td>
                <td class="num hide-phone">{duration(w.mttrMs)}</td>
                <td class="num hide-phone">{percent(w.availabilityPercent, 3)}</td>
                {kind === "service" && (
                  <td>
                    <Budget c={c} />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function AvailabilityPage() {
  const [window, setWindow] = useState("7d");
  const report = useApi<AvailabilityReport>(`/api/v1/availability?window=${window}`, { pollMs: 60_000 });
  return (
    <>
      <PageHead
        title="Availability"
        sub="Uptime is over the time observed; A = MTBF / (MTBF + mean outage); the error budget is over the SLO's own window."
        actions={
          <div class="segmented">
            {WINDOWS.map((w) => (
              <button key={w} class={w === window ? "on" : ""} onClick={() => setWindow(w)}>
                {w}
              </button>
            ))}
          </div>
        }
      />
      {report.error && <ErrorBox message={report.error} />}
      {!report.data ? (
        <Loading height={240} />
      ) : (
        <div class="stack">
          <Panel title="Services" flush>
            {report.data.services.length === 0 ? <Empty title="No services" /> : <Table rows={report.data.services} kind="service" />}
          </Panel>
          <Panel title="Nodes" flush>
            {report.data.nodes.length === 0 ? <Empty title="No nodes" /> : <Table rows={report.data.nodes} kind="node" />}
          </Panel>
        </div>
      )}
    </>
  );
}
