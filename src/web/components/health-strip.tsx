// A service's health over the range as one strip: green up, red down, grey unknown.
import { dateTime, duration } from "../format.js";
import type { ServiceHistory } from "../types.js";

export function HealthStrip({ strip, from, to }: { strip: ServiceHistory["strip"]; from: number; to: number }) {
  const span = Math.max(1, to - from);
  return (
    <div>
      <div class="strip" role="img" aria-label={`up ${(strip.shares.healthy * 100).toFixed(1)}% of the range`}>
        {strip.segments.map((s) => (
          <span
            key={s.from}
            class={s.state}
            style={{ width: `${((s.to - s.from) / span) * 100}%` }}
            title={`${s.state} for ${duration(s.to - s.from)} from ${dateTime(s.from)}`}
          />
        ))}
      </div>
      <div class="strip-axis">
        <span>{dateTime(from)}</span>
        <span>
          up {(strip.shares.healthy * 100).toFixed(1)}% · down {(strip.shares.unhealthy * 100).toFixed(1)}%
        </span>
        <span>now</span>
      </div>
    </div>
  );
}
