// One game day's report: pass/fail and totals, the figures per fault type (MTTD, MTTL, MTTR
// p50 / p95, localization accuracy, false alerts), then each fault: what was injected, when
// it was detected, where it was localized and whether that was right, what Vigil did, when it
// was repaired, and why it failed if it did.
import { Badge } from "../components/badges.js";
import { ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { dateTime, duration, ratio } from "../format.js";
import { useApi } from "../hooks.js";
import { href } from "../router.js";
import type { GamedayDetail, GamedayFaultResult } from "../types.js";
import { Stat } from "../components/stat.js";


const p50p95 = (f: { p50: number | null; p95: number | null }) => `${duration(f.p50)} / ${duration(f.p95)}`;

function Outcome({ r }: { r: GamedayFaultResult }) {
  if (r.skipped) return <Badge tone="idle">skipped</Badge>;
  return <Badge tone={r.passed ? "ok" : "bad"}>{r.passed ? "passed" : "failed"}</Badge>;
}

function Localized({ r }: { r: GamedayFaultResult }) {
  if (r.localizedRoot === null) return <span class="muted">{r.expectedRoot === null ? "no incident expected" : "not localized"}</span>;
  const verdict = r.localizedCorrectly === null ? "" : r.localizedCorrectly ? " ✓" : ` ✗ (expected ${r.expectedRoot})`;
  return (
    <span>
      {r.localizedRoot}
      {r.cause && <span class="muted">, {r.cause}</span>}
      <span class={r.localizedCorrectly === false ? "bad-text" : "muted"}>{verdict}</span>
    </span>
  );
}

export function GamedayPage({ id }: { id: number }) {
  const detail = useApi<GamedayDetail>(`/api/v1/gamedays/${id}`);
  if (detail.error && !detail.data) return <ErrorBox message={detail.error} />;
  if (!detail.data) return <Loading height={300} />;
  const { report } = detail.data;
  const t = report.totals;
  return (
    <>
      <PageHead
        crumbs={
          <>
            <a href={href.gamedays()}>Game days</a> / #{id}
          </>
        }
        title={
          <span class="row">
            {report.scenario} <Badge tone={report.passed ? "ok" : "bad"}>{report.passed ? "passed" : "failed"}</Badge>
          </span>
        }
        sub={`${dateTime(report.startedAt)} · took ${duration(report.endedAt - report.startedAt)} · against ${report.server}`}
      />
      <div class="stack">
        <div class="grid cols-4">
          <Stat label="Faults passed" value={`${t.passed} / ${t.faults - t.skipped}`} hint={t.skipped > 0 ? `${t.skipped} skipped on this cluster` : "every fault run"} tone={t.failed === 0 ? "ok" : "bad"} />
          <Stat label="Localized correctly" value={ratio(t.localizationAccuracy)} hint="of the faults with an expected root" />
          <Stat label="False alerts" value={String(t.falseAlerts)} hint="alerts about components not involved" tone={t.falseAlerts === 0 ? "ok" : "warn"} />
          <Stat label="Notifications" value={String(t.notifications)} hint="sent during the faults" />
        </div>
        <Panel title="By fault type" flush>
          <div class="table-wrap">
            <table class="list" data-testid="gameday-by-fault">
              <thead>
                <tr>
                  <th>Fault</th>
                  <th class="num">Passed</th>
                  <th class="num">Detect p50 / p95</th>
                  <th class="num hide-phone">Localize p50 / p95</th>
                  <th class="num">Repair p50 / p95</th>
                  <th class="num hide-phone">Localized</th>
                  <th class="num hide-phone">False alerts</th>
                </tr>
              </thead>
              <tbody>
                {t.byFault.map((f) => (
                  <tr key={f.fault}>
                    <td>
                      <strong>{f.fault}</strong>
                    </td>
                    <td class="num">
                      {f.passed} / {f.runs}
                    </td>
                    <td class="num">{p50p95(f.mttdMs)}</td>
                    <td class="num hide-phone">{p50p95(f.mttlMs)}</td>
                    <td class="num">{p50p95(f.mttrMs)}</td>
                    <td class="num hide-phone">{ratio(f.localizationAccuracy)}</td>
                    <td class="num hide-phone">{f.falseAlerts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Panel>
        <Panel title="Each fault" flush>
          <div class="table-wrap">
            <table class="list" data-testid="gameday-results">
              <thead>
                <tr>
                  <th>Fault</th>
                  <th>Outcome</th>
                  <th class="num">Detected</th>
                  <th class="hide-phone">Localized to</th>
                  <th class="hide-phone">Actions</th>
                  <th class="num">Repaired</th>
                </tr>
              </thead>
              <tbody>
                {report.results.map((r, k) => (
                  <tr key={k} data-fault={r.fault} data-passed={String(r.passed)}>
                    <td>
                      <strong>{r.name}</strong>
                      <div class="small muted">
                        {r.fault} on {r.target}
                        {r.incidentId !== null && (
                          <>
                            {" · "}
                            <a href={href.incident(r.incidentId)}>incident #{r.incidentId}</a>
                          </>
                        )}
                      </div>
                      {r.error && <div class="small bad-text">{r.error}</div>}
                      {!r.passed && !r.skipped && r.failures.length > 0 && <div class="small bad-text">{r.failures.join("; ")}</div>}
                      {r.falseAlerts.length > 0 && <div class="small muted">false alerts: {r.falseAlerts.map((a) => `${a.alertname} (${a.service ?? a.node ?? "?"})`).join(", ")}</div>}
                    </td>
                    <td>
                      <Outcome r={r} />
                    </td>
                    <td class="num">{duration(r.mttdMs)}</td>
                    <td class="hide-phone">
                      <Localized r={r} />
                    </td>
                    <td class="hide-phone">{r.actions.length === 0 ? <span class="muted">none</span> : r.actions.map((a) => `${a.action}${a.ok ? "" : " (failed)"}`).join(", ")}</td>
                    <td class="num">{duration(r.mttrMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Panel>
      </div>
    </>
  );
}
