// A component's condition over time as a step function (up, down or unknown from each
// change on), and how much of a window it spent in each. Pure: the window is given.
//
// Counting rules (README "Availability and SLOs"):
//   - a condition lasts until the next change: the journal holds transitions, not samples;
//   - before the first change the component was not observed: that time is unknown;
//   - unknown time is reported but left out of the uptime's denominator, so
//     uptime = up / (up + down) over the observed time only.

export type Condition = "up" | "down" | "unknown";

export interface ConditionChange {
  /** From this time (ms) on, the component is in `condition`. */
  at: number;
  condition: Condition;
}

export interface TimeWindow {
  /** Inclusive start and exclusive end, in ms. */
  from: number;
  to: number;
}

export interface TimeInConditions {
  upMs: number;
  downMs: number;
  /** Not observed (before the first change) or observed as unknown. */
  unknownMs: number;
  /** Down periods that began inside the window (a period that began before it is not counted). */
  outagesBegun: number;
}

/**
 * Splits the window into up, down and unknown time. Changes need not be sorted; of several
 * changes at one instant the last given wins. A down period crossing a window edge counts
 * only its part inside the window.
 */
export function timeInConditions(changes: readonly ConditionChange[], window: TimeWindow): TimeInConditions {
  if (!(window.to >= window.from)) throw new RangeError(`timeInConditions: window ends (${window.to}) before it starts (${window.from})`);
  const sorted = changes.map((c, index) => ({ ...c, index })).sort((a, b) => a.at - b.at || a.index - b.index);
  // Of changes at one instant only the last holds (a zero-length outage is no outage).
  const effective = sorted.filter((c, i) => sorted[i + 1]?.at !== c.at);
  const totals: TimeInConditions = { upMs: 0, downMs: 0, unknownMs: 0, outagesBegun: 0 };
  let condition: Condition = "unknown";
  let since = -Infinity;
  const close = (until: number) => {
    const ms = Math.max(0, Math.min(until, window.to) - Math.max(since, window.from));
    if (condition === "up") totals.upMs += ms;
    else if (condition === "down") totals.downMs += ms;
    else totals.unknownMs += ms;
  };
  for (const change of effective) {
    if (change.condition === condition) continue;
    close(change.at);
    if (change.condition === "down" && change.at >= window.from && change.at < window.to) totals.outagesBegun += 1;
    condition = change.condition;
    since = change.at;
  }
  close(Infinity);
  return totals;
}
