// What to look at for each localized cause (storage IncidentRecord.cause): the second half
// of "api restarted 12 times in 7d, cause memory: look for a leak or raise its limit".

const SUGGESTIONS: Record<string, string> = {
  crash: "read its logs and exit codes around the crashes; a crash that repeats after each restart is a bug or a bad release/config, not bad luck",
  hang: "it stops answering while alive: look for deadlocks or blocking calls (take a thread/stack dump before the next restart) and give its own calls timeouts",
  restarting: "it fails while starting: check its startup (config, migrations, ports, dependencies) and its logs from the first seconds",
  memory: "look for a leak or raise its limit",
  cpu: "profile it under load, or give it more CPU or more instances",
  disk: "free space (log rotation, old data, temporary files) or grow the volume",
  fds: "look for leaked connections or files (lsof), or raise its file-descriptor limit (ulimit -n)",
  network: "check the network path it uses (links, DNS, firewall, connection pools)",
  "node-down": "check the node itself (kernel and hardware logs, power, hypervisor), and move what it runs or give it a standby elsewhere",
  dependency: "it fails because something it depends on fails: fix that, and make it degrade gracefully (timeouts, retries with backoff, a circuit breaker)",
  unknown: "the cause was not localized: read the incidents' timelines (vigil status, GET /api/v1/incidents/ID)",
};

export function causeSuggestion(cause: string | null): string {
  return SUGGESTIONS[cause ?? "unknown"] ?? SUGGESTIONS.unknown!;
}
