// The chart range choice (15 min … 7 d), kept in the page's URL so a link shows the same view.
import { withQuery } from "../router.js";

export const RANGES = ["15m", "1h", "6h", "24h", "7d"] as const;

export function rangeFrom(query: URLSearchParams): string {
  const r = query.get("range");
  return r && (RANGES as readonly string[]).includes(r) ? r : "1h";
}

export function RangePicker({ value }: { value: string }) {
  return (
    <div class="segmented" role="group" aria-label="time range">
      {RANGES.map((r) => (
        <a key={r} href={withQuery("range", r)} class={r === value ? "on" : ""}>
          {r}
        </a>
      ))}
    </div>
  );
}
