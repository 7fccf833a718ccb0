// Game days: every report `vigil gameday` posted, newest first, with pass/fail and the
// headline figures; each links to its page.
import { Badge } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { dateTime, duration, ratio } from "../format.js";
import { useApi } from "../hooks.js";
import { href } from "../router.js";
import type { GamedaySummary } from "../types.js";

export function GamedaysPage() {
  const list = useApi<{ gamedays: GamedaySummary[] }>("/api/v1/gamedays");
  const gamedays = list.data?.gamedays ?? [];
  return (
    <>
      <PageHead title="Game days" sub="Real faults injected on purpose, and how fast Vigil found, localized and repaired each one." />
      {list.error && <ErrorBox message={list.error} />}
      <Panel flush>
        {list.loading && !list.data ? (
          <div class="body">
            <Loading />
          </div>
        ) : gamedays.length === 0 ? (
          <Empty title="No game days yet">
            Run one against this cluster: <code>vigil gameday gamedays/basic.yaml --server {location.origin}</code>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="list" data-testid="gameday-table">
              <thead>
                <tr>
                  <th>Scenario</th>
                  <th>Result</th>
                  <th class="num">Faults passed</th>
                  <th class="num hide-phone">Localized</th>
                  <th class="num hide-phone">False alerts</th>
                  <th class="num hide-phone">Took</th>
                </tr>
              </thead>
              <tbody>
                {gamedays.map((g) => (
                  <tr key={g.id} data-gameday={g.id}>
                    <td>
                      <a class="title" href={href.gameday(g.id)}>
                        #{g.id} {g.scenario}
                      </a>
                      <div class="small muted">{dateTime(g.startedAt)}</div>
                    </td>
                    <td>
                      <Badge tone={g.passed ? "ok" : "bad"}>{g.passed ? "passed" : "failed"}</Badge>
                    </td>
                    <td class="num">
                      {g.totals.passed} / {g.totals.faults - g.totals.skipped}
                      {g.totals.skipped > 0 && <span class="muted"> ({g.totals.skipped} skipped)</span>}
                    </td>
                    <td class="num hide-phone">{ratio(g.totals.localizationAccuracy)}</td>
                    <td class="num hide-phone">{g.totals.falseAlerts}</td>
                    <td class="num hide-phone muted">{duration(g.endedAt - g.startedAt)}</td>
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
