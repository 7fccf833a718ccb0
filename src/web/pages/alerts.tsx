// Alerts: firing, pending, silenced and inhibited alerts with filters; a silence from an alert
// in two clicks (Silence, then Create); the silences in force and the maintenance windows.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, severityTone } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { ago, dateTime, duration } from "../format.js";
import { useApi, useNow } from "../hooks.js";
import type { AlertmanagerAlert, AlertView, MaintenanceView, SilenceView } from "../types.js";
import { SilenceDialog } from "./silence-dialog.js";

type Status = "firing" | "pending" | "silenced" | "inhibited";
const TABS: (Status | "all")[] = ["all", "firing", "pending", "silenced", "inhibited"];
const statusTone: Record<Status, "bad" | "warn" | "idle" | "info"> = { firing: "bad", pending: "warn", silenced: "idle", inhibited: "info" };

function schedule(w: MaintenanceView): string {
  const s = w.schedule;
  if (s.kind === "once") return `${s.start} → ${s.end}`;
  if (s.kind === "weekly") return `${s.days.join(", ")} ${s.from}–${s.to}`;
  return `${s.cron} for ${duration(s.durationMs)}`;
}

export function AlertsPage() {
  const now = useNow();
  const alerts = useApi<{ alerts: AlertView[] }>("/api/v1/alerts");
  const muted = useApi<AlertmanagerAlert[]>("/api/v2/alerts");
  const silences = useApi<{ silences: SilenceView[] }>("/api/v1/silences?state=active,pending");
  const maintenance = useApi<{ windows: MaintenanceView[] }>("/api/v1/maintenance", { pollMs: 60_000 });
  const [tab, setTab] = useState<Status | "all">("all");
  const [text, setText] = useState("");
  const [severity, setSeverity] = useState("");
  const [silencing, setSilencing] = useState<AlertView | null>(null);
  const [toast, setToast] = useState<string | null>(null);

  const muteOf = new Map((muted.data ?? []).map((a) => [a.fingerprint, a.status]));
  const statusOf = (a: AlertView): Status => {
    const m = muteOf.get(a.fingerprint);
    if (m && m.silencedBy.length > 0) return "silenced";
    if (m && (m.inhibitedBy.length > 0 || m.mutedBy.length > 0)) return "inhibited";
    return a.state === "pending" ? "pending" : "firing";
  };
  const all = (alerts.data?.alerts ?? []).map((a) => ({ alert: a, status: statusOf(a) }));
  const counts = Object.fromEntries(TABS.map((t) => [t, t === "all" ? all.length : all.filter((x) => x.status === t).length]));
  const needle = text.trim().toLowerCase();
  const shown = all
    .filter((x) => tab === "all" || x.status === tab)
    .filter((x) => !severity || x.alert.labels.severity === severity)
    .filter((x) => !needle || JSON.stringify(x.alert.labels).toLowerCase().includes(needle) || (x.alert.annotations.summary ?? "").toLowerCase().includes(needle))
    .sort((a, b) => TABS.indexOf(a.status) - TABS.indexOf(b.status) || (b.alert.firedAt ?? b.alert.activeAt) - (a.alert.firedAt ?? a.alert.activeAt));

  const flash = (message: string) => {
    setToast(message);
    setTimeout(() => setToast(null), 3500);
  };
  const expire = async (s: SilenceView) => {
    try {
      await api.delete(`/api/v1/silences/${s.id}`);
      flash(`Silence ${s.id} expired`);
      silences.reload();
    } catch (err) {
      flash((err as Error).message);
    }
  };

  return (
    <>
      <PageHead title="Alerts" sub="What the rules, detectors and Prometheus report now, and what keeps it quiet." />
      <div class="stack">
        <div class="row">
          <div class="segmented" role="tablist">
            {TABS.map((t) => (
              <button key={t} class={tab === t ? "on" : ""} onClick={() => setTab(t)} role="tab" aria-selected={tab === t}>
                {t[0]!.toUpperCase() + t.slice(1)} {counts[t]}
              </button>
            ))}
          </div>
          <span class="spacer" />
          <input class="filter" placeholder="Filter by label or text" value={text} onInput={(e) => setText(e.currentTarget.value)} aria-label="filter" />
          <select class="filter narrow" value={severity} onChange={(e) => setSeverity(e.currentTarget.value)} aria-label="severity">
            <option value="">Any severity</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </div>
        {alerts.error && <ErrorBox message={alerts.error} />}
        <Panel flush>
          {alerts.loading && !alerts.data ? (
            <div class="body">
              <Loading />
            </div>
          ) : shown.length === 0 ? (
            <Empty title={all.length === 0 ? "No alerts" : "No alert matches the filters"}>{all.length === 0 ? "Everything Vigil watches is within its rules." : ""}</Empty>
          ) : (
            <div class="table-wrap">
              <table class="list" data-testid="alert-table">
                <thead>
                  <tr>
                    <th>Alert</th>
                    <th>Status</th>
                    <th class="hide-phone">Since</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {shown.map(({ alert: a, status }) => (
                    <tr key={a.fingerprint} data-alert={a.labels.alertname}>
                      <td>
                        <div class="row" style={{ gap: 8 }}>
                          <Badge tone={severityTone(a.labels.severity)} plain>
                            {a.labels.severity ?? "none"}
                          </Badge>
                          <span class="title">{a.labels.alertname}</span>
                        </div>
                        {a.annotations.summary && <div class="small muted" style={{ marginTop: 4 }}>{a.annotations.summary}</div>}
                        <div class="chips" style={{ marginTop: 6 }}>
                          {Object.entries(a.labels)
                            .filter(([k]) => k !== "alertname" && k !== "severity")
                            .map(([k, v]) => (
                              <span key={k} class="chip">
                                {k}={v}
                              </span>
                            ))}
                        </div>
                      </td>
                      <td>
                        <Badge tone={statusTone[status]}>{status}</Badge>
                      </td>
                      <td class="hide-phone muted">{ago(a.firedAt ?? a.activeAt, now)}</td>
                      <td class="num">
                        {status !== "silenced" && (
                          <button onClick={() => setSilencing(a)} data-action="silence">
                            Silence
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Panel>
        <div class="grid cols-2">
          <Panel title="Silences" flush>
            {(silences.data?.silences ?? []).length === 0 ? (
              <Empty title="No active silences">Silence an alert above, or `vigil silence add`.</Empty>
            ) : (
              <table class="list" data-testid="silence-table">
                <tbody>
                  {silences.data!.silences.map((s) => (
                    <tr key={s.id} data-silence={s.id}>
                      <td>
                        <div class="chips">
                          {s.matchers.map((m) => (
                            <span key={m.text} class="chip">
                              {m.text}
                            </span>
                          ))}
                        </div>
                        <div class="small muted" style={{ marginTop: 4 }}>
                          #{s.id} by {s.createdBy}
                          {s.comment ? ` — ${s.comment}` : ""} · {s.state === "pending" ? `starts ${dateTime(s.startsAt)}` : `ends in ${duration(s.endsAt - now)}`}
                        </div>
                      </td>
                      <td class="num">
                        <button class="danger" onClick={() => expire(s)}>
                          Expire
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
          <Panel title="Maintenance windows" flush>
            {(maintenance.data?.windows ?? []).length === 0 ? (
              <Empty title="No maintenance windows">Declare them under maintenance: in vigil.yaml.</Empty>
            ) : (
              <table class="list">
                <tbody>
                  {maintenance.data!.windows.map((w) => (
                    <tr key={w.name}>
                      <td>
                        <span class="title">{w.name}</span>
                        <div class="small muted">
                          {schedule(w)} ({w.timezone}) · {w.matchers.join(", ") || "everything"}
                          {w.pauseRecovery ? " · pauses recovery" : ""}
                        </div>
                      </td>
                      <td class="num">
                        <Badge tone={w.active ? "warn" : "idle"}>{w.active ? "in progress" : "scheduled"}</Badge>
                        {w.nextChange && <div class="small faint">{w.active ? "ends" : "next"} {dateTime(w.nextChange)}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
        </div>
      </div>
      {silencing && (
        <SilenceDialog
          alert={silencing}
          onClose={() => setSilencing(null)}
          onCreated={(s) => {
            setSilencing(null);
            flash(`Silence ${s.id} created`);
            silences.reload();
            muted.reload();
          }}
        />
      )}
      {toast && <div class="toast" role="status">{toast}</div>}
    </>
  );
}
