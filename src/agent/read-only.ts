// A read-only agent (`vigil agent --read-only`) collects and probes but never acts: it sees
// its services without what would make it act on them — no run command (so nothing is
// started or stopped), no declared commands, no snapshots — and its executor refuses every
// action. A pidfile stays: watching a process is observation.
import type { AgentService } from "../protocol/messages.js";

export function readOnlyView(service: AgentService): AgentService {
  return {
    name: service.name,
    ...(service.health && { health: service.health }),
    ...(service.pidfile !== undefined && { pidfile: service.pidfile }),
    ...(service.standby !== undefined && { standby: service.standby }),
    ...(service.fenced !== undefined && { fenced: service.fenced }),
  };
}
