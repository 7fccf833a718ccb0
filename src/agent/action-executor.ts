// Executes the actions the server sends, and only those the agent may run: a known kind
// (restart, stop, start) on a service in the agent's own configuration. Anything else is
// refused and reported back; nothing the server says can make the agent run other commands.
import { actionKinds, type ActionKind, type ActionMessage, type AgentService } from "../protocol/messages.js";
import type { Supervisor } from "./supervisor.js";

export interface ActionOutcome {
  ok: boolean;
  refused: boolean;
  error?: string;
  data: Record<string, unknown>;
}

export class ActionExecutor {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly services: () => ReadonlyMap<string, AgentService>,
  ) {}

  async execute(m: ActionMessage): Promise<ActionOutcome> {
    if (!(actionKinds as readonly string[]).includes(m.action)) {
      return refuse(`unknown action "${m.action}" (this agent runs only ${actionKinds.join(", ")})`);
    }
    const service = this.services().get(m.service);
    if (!service) return refuse(`service "${m.service}" is not in this agent's configuration`);
    if (!service.run && !service.pidfile) {
      return refuse(`service "${m.service}" is not supervised by this agent (no run or pidfile)`);
    }
    try {
      return await this.run(m.action as ActionKind, m.service);
    } catch (err) {
      return { ok: false, refused: false, error: (err as Error).message, data: {} };
    }
  }

  private async run(action: ActionKind, service: string): Promise<ActionOutcome> {
    switch (action) {
      case "restart": {
        const previousPid = this.supervisor.pidOf(service);
        const pid = await this.supervisor.restart(service);
        return { ok: true, refused: false, data: { pid, previousPid } };
      }
      case "start":
        return { ok: true, refused: false, data: { pid: await this.supervisor.start(service) } };
      case "stop":
        await this.supervisor.stop(service);
        return { ok: true, refused: false, data: {} };
    }
  }
}

function refuse(error: string): ActionOutcome {
  return { ok: false, refused: true, error: `refused: ${error}`, data: {} };
}
