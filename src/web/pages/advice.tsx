// Advice: what the advisors make of the recent past — recurring incidents, single points of
// failure, resources running out, flapping checks, failing playbooks — most severe first.
import { useState } from "preact/hooks";
import { Badge, severityTone } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { useApi } from "../hooks.js";
import { href } from "../router.js";
import type { AdviceItem } from "../types.js";

const WINDOWS = ["24h", "7d", "30d"];

export function AdvicePage() {
  const [window, setWindow] = useState("7d");
  const advice = useApi<{ generatedAt: number; window: string; advice: AdviceItem[] }>(`/api/v1/advice?window=${window}`, { pollMs: 60_000 });
  return (
    <>
      <PageHead
        title="Advice"
        sub="How to need Vigil less: faults that keep coming back, what has no standby, what will run out."
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
      {advice.error && <ErrorBox message={advice.error} />}
      <Panel flush>
        {!advice.data ? (
          <div class="body">
            <Loading />
          </div>
        ) : advice.data.advice.length === 0 ? (
          <Empty title="No advice">No recurring incidents, single points of failure, resources running out, flapping checks or failing playbooks in the last {advice.data.window}.</Empty>
        ) : (
          advice.data.advice.map((item, k) => (
            <div class="advice-item" key={k}>
              <div style={{ width: 88, flex: "none" }}>
                <Badge tone={severityTone(item.severity)}>{item.severity}</Badge>
              </div>
              <div>
                <div class="row" style={{ gap: 8 }}>
                  <a class="title" href={href.component(item.subject)}>
                    {item.subject}
                  </a>
                  <span class="chip">{item.kind}</span>
                </div>
                <div class="msg">{item.message}</div>
              </div>
            </div>
          ))
        )}
      </Panel>
    </>
  );
}
