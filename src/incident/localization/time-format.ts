// Times as the localizer's sentences print them: a wall-clock time of day ("14:02:11", UTC
// unless a zone is given) and short durations ("8 s", "3 min").
import { formatDurationHuman } from "../../detect/forecast/human-units.js";

/** HH:MM:SS of `ts` in `timeZone` (an IANA name; default UTC). */
export function formatClock(ts: number, timeZone = "UTC"): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone });
    formats.set(timeZone, format);
  }
  return format.format(ts);
}

/** Building a DateTimeFormat costs far more than using one. */
const formats = new Map<string, Intl.DateTimeFormat>();

export function formatSeconds(ms: number): string {
  return formatDurationHuman(ms);
}
