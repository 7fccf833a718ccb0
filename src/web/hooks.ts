// useApi: a GET that refetches whenever the live version moves (and every `pollMs` as a
// fallback for figures that change with time alone), keeping the last data on screen while
// it does, so an update never blanks a page.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "./api.js";
import { useLive } from "./live.js";

export interface ApiState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

export function useApi<T>(path: string | null, options: { pollMs?: number } = {}): ApiState<T> & { reload(): void } {
  const { version } = useLive();
  const [state, setState] = useState<ApiState<T>>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const shownPath = useRef<string | null>(null);
  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    // A new path shows its own loading state; a refresh of the same path keeps what is shown.
    if (shownPath.current !== path) setState({ data: null, error: null, loading: true });
    api
      .get<T>(path)
      .then((data) => {
        if (cancelled) return;
        shownPath.current = path;
        setState({ data, error: null, loading: false });
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setState((s) => ({ data: shownPath.current === path ? s.data : null, error: err instanceof ApiError || err instanceof Error ? err.message : String(err), loading: false }));
      });
    return () => {
      cancelled = true;
    };
  }, [path, version, tick]);
  useEffect(() => {
    if (!options.pollMs) return;
    const t = setInterval(() => setTick((n) => n + 1), options.pollMs);
    return () => clearInterval(t);
  }, [options.pollMs]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** Re-renders every `ms`, for "3 min ago" texts. */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
