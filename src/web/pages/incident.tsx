// Incident page: its state and figures (MTTD, MTTL, MTTR), root cause with its confidence and
// the correlated components, the timeline with the time between each step, and the charts
// of the implicated metrics around the onset.
import { IncidentBadge } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { TimeSeriesChart } from "../components/time-series-chart.js";
import { dateTime, duration, timeOfDay } from "../format.js";
import { useApi } from "../hooks.js";
import { href } from "../router.js";
import type { ChartsPayload, IncidentView, JournalEvent } from "../types.js";
import { incidentMilestones } from "./event-text.js";

function Figure({ label, ms }: { label: string; ms: number | null }) {
  return (
    <div class="panel stat">
      <div class="label">{label}</div>
      <div class="value" style={{ fontSize: 22 }}>
        {duration(ms)}
      </div>
    </div>
  );
}

export function IncidentPage({ id }: { id: number }) {
  const detail = useApi<{ incident: IncidentView; timeline: JournalEvent[] }>(`/api/v1/incidents/${id}`);
  const charts = useApi<ChartsPayload>(`/api/v1/incidents/${id}/charts`, { pollMs: 20_000 });
  if (detail.error && !detail.data) return <ErrorBox message={detail.error} />;
  if (!detail.data) return <Loading height={300} />;
  const { incident: i, timeline } = detail.data;
  const milestones = incidentMilestones(i, timeline);
  const localized = [...timeline].reverse().find((e) => e.kind === "incident.localized");
  const evidence = Array.isArray(localized?.data.evidence) ? (localized!.data.evidence as unknown[]).map(String) : [];
  return (
    <>
      <PageHead
        crumbs={
          <>
            <a href={href.incidents()}>Incidents</a> / #{i.id}
          </>
        }
        title={
          <span class="row">
            {i.title} <IncidentBadge state={i.state} waiting={i.waitingForApproval} />
          </span>
        }
        sub={`#${i.id} · first signal ${dateTime(i.firstSignalAt)}${i.resolvedAt ? ` · resolved ${dateTime(i.resolvedAt)}` : ""}`}
      />
      <div class="stack">
        <div class="grid cols-4">
          <Figure label="Time to detect" ms={i.figures.mttdMs} />
          <Figure label="Time to localize" ms={i.figures.mttlMs} />
          <Figure label="Time to repair" ms={i.figures.mttrMs} />
          <Figure label="Time to resolve" ms={i.figures.timeToResolveMs} />
        </div>
        <div class="grid cols-2">
          <Panel title="Timeline">
            <ol class="timeline" data-testid="timeline">
              {milestones.map((m, k) => (
                <li key={m.key} class={m.tone} data-kind={m.what}>
                  <span class="what">{m.what}</span>
                  <span class="when">{timeOfDay(m.ts)}</span>
                  {k > 0 && <span class="gap">+{duration(m.ts - milestones[k - 1]!.ts)}</span>}
                  {m.detail && <div class="detail">{m.detail}</div>}
                </li>
              ))}
            </ol>
          </Panel>
          <Panel title="Root cause and evidence">
            <div class="stack" style={{ gap: 14 }}>
              {i.rootCause ? <div style={{ fontWeight: 600 }}>{i.rootCause}</div> : <span class="muted">Not localized yet.</span>}
              <dl class="kv">
                <dt>Root</dt>
                <dd>{i.rootKey ? <a href={href.component(i.rootKey)}>{i.rootKey}</a> : "–"}</dd>
                <dt>Cause</dt>
                <dd>{i.cause ?? "–"}</dd>
                <dt>Confidence</dt>
                <dd>{i.confidence === null ? "–" : `${Math.round(i.confidence * 100)}%`}</dd>
                <dt>Components</dt>
                <dd>
                  <div class="chips">
                    {i.members.map((m) => (
                      <a key={m} class="chip" href={href.component(m)}>
                        {m}
                      </a>
                    ))}
                  </div>
                </dd>
                <dt>Node</dt>
                <dd>{i.node ? <a href={href.node(i.node)}>{i.node}</a> : "–"}</dd>
              </dl>
              {evidence.length > 0 && (
                <div>
                  <h3 style={{ marginBottom: 8 }}>Evidence</h3>
                  <ul class="small" style={{ margin: 0, paddingLeft: 18 }} data-testid="evidence">
                    {evidence.slice(0, 12).map((text, k) => (
                      <li key={k}>{text}</li>
                    ))}
                  </ul>
                </div>
              )}
              {i.waitingForApproval && (
                <div class="banner warn" style={{ margin: 0 }}>
                  A recovery step waits for approval: <code>vigil approve {i.id}</code>
                </div>
              )}
            </div>
          </Panel>
        </div>
        <h3>Implicated metrics around the onset</h3>
        {!charts.data ? (
          charts.error ? <ErrorBox message={charts.error} /> : <Loading height={200} />
        ) : charts.data.charts.length === 0 ? (
          <Empty title="No metrics for these components" />
        ) : (
          <div class="grid cols-3">
            {charts.data.charts.map((c) => (
              <TimeSeriesChart key={c.id} chart={c} x={charts.data!.x} markers={charts.data!.markers} height={160} />
            ))}
          </div>
        )}
      </div>
    </>
  );
}
