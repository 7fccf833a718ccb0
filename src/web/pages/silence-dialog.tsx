// The silence form opened from an alert: its matchers are filled in from the alert's labels
// (alertname and where it fires), two hours by default, so creating it is the second click.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import type { AlertView, SilenceView } from "../types.js";

const DURATIONS = ["30m", "1h", "2h", "4h", "12h", "1d", "7d"];
/** Labels that say which alert and where: what a silence from an alert matches on. */
const IDENTIFYING = ["alertname", "service", "node", "mountpoint", "instance", "job"];
const AUTHOR_KEY = "vigil.author";

export function matchersFor(alert: AlertView): string[] {
  return IDENTIFYING.filter((k) => alert.labels[k] !== undefined).map((k) => `${k}=${JSON.stringify(alert.labels[k])}`);
}

export function SilenceDialog({ alert, onClose, onCreated }: { alert: AlertView; onClose(): void; onCreated(s: SilenceView): void }) {
  const [matchers, setMatchers] = useState(matchersFor(alert).join("\n"));
  const [duration, setDuration] = useState("2h");
  const [comment, setComment] = useState("");
  const [author, setAuthor] = useState(() => localStorage.getItem(AUTHOR_KEY) ?? "dashboard");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      localStorage.setItem(AUTHOR_KEY, author);
      const res = await api.post<{ silence: SilenceView }>("/api/v1/silences", {
        matchers: matchers.split("\n").map((m) => m.trim()).filter(Boolean),
        duration,
        createdBy: author || "dashboard",
        comment,
      });
      onCreated(res.silence);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <form class="dialog" aria-label="silence alert" onSubmit={submit}>
        <header>
          <h2>Silence {alert.labels.alertname}</h2>
          <div class="small muted">Notifications of matching alerts stop until the silence ends; the alerts stay visible here.</div>
        </header>
        <div class="body">
          <label class="field">
            Matchers (one per line, all must match)
            <textarea name="matchers" rows={Math.max(2, matchers.split("\n").length)} class="mono" value={matchers} onInput={(e) => setMatchers(e.currentTarget.value)} />
          </label>
          <div class="grid cols-2">
            <label class="field">
              For
              <select name="duration" value={duration} onChange={(e) => setDuration(e.currentTarget.value)}>
                {DURATIONS.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              By
              <input name="author" value={author} onInput={(e) => setAuthor(e.currentTarget.value)} />
            </label>
          </div>
          <label class="field">
            Why (optional)
            <input name="comment" placeholder="investigating, deploy in progress, …" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          {error && <div class="error-box">{error}</div>}
        </div>
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Create silence
          </button>
        </footer>
      </form>
    </div>
  );
}
