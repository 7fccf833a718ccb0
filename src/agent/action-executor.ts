// Executes the actions the server sends, and only those the agent may run: a known kind on
// a service in the agent's own configuration, running only commands that configuration
// declares (promote, restore, cleanup, commands by name). Anything else is refused and
// reported back; nothing the server says can make the agent run other commands. A
// read-only agent refuses everything.
import { actionKinds, type ActionKind, type ActionMessage, type AgentService } from "../protocol/messages.js";
import { commandOptionsOf, describeFailure, runDeclaredCommand, type CommandResult } from "./declared-command.js";
import type { Snapshots } from "./snapshots.js";
import type { Supervisor } from "./supervisor.js";

export interface ActionOutcome {
  ok: boolean;
  refused: boolean;
  error?: string;
  data: Record<string, unknown>;
}

/** Actions that (re)start the process: refused for a fenced service, and need `run`. */
const STARTING_ACTIONS: ReadonlySet<string> = new Set(["start", "restart", "kill", "restore"]);

export class ActionExecutor {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly services: () => ReadonlyMap<string, AgentService>,
    private readonly snapshots: Snapshots,
    private readonly options: { readOnly?: boolean } = {},
  ) {}

  async execute(m: ActionMessage): Promise<ActionOutcome> {
    if (this.options.readOnly) return refuse(`this agent is read-only (--read-only): it collects and probes but never acts`);
    if (!(actionKinds as readonly string[]).includes(m.action)) {
      return refuse(`unknown action "${m.action}" (this agent runs only ${actionKinds.join(", ")})`);
    }
    const service = this.services().get(m.service);
    if (!service) return refuse(`service "${m.service}" is not in this agent's configuration`);
    const refusal = this.refusal(m.action as ActionKind, service, m.command);
    if (refusal !== null) return refuse(refusal);
    try {
      return await this.run(m.action as ActionKind, service, m.command);
    } catch (err) {
      return { ok: false, refused: false, error: (err as Error).message, data: {} };
    }
  }

  /** Why this action may not run on this service, or null. */
  private refusal(action: ActionKind, service: AgentService, command: string | undefined): string | null {
    const name = service.name;
    if (service.fenced && STARTING_ACTIONS.has(action)) {
      return `service "${name}" is fenced on this node: it must not run here until the server unfences it`;
    }
    switch (action) {
      case "restart":
      case "stop":
      case "start":
      case "kill":
        return service.run || service.pidfile ? null : `service "${name}" is not supervised by this agent (no run or pidfile)`;
      case "restore":
        if (!service.run) return `service "${name}" has no run command, so it cannot be stopped and started around a restore`;
        return service.restore !== undefined || service.snapshot ? null : `service "${name}" declares neither restore nor snapshot`;
      case "exec": {
        if (command === undefined) return `exec needs the name of a declared command (services[].commands of "${name}")`;
        const declared = Object.keys(service.commands ?? {});
        if (Object.hasOwn(service.commands ?? {}, command)) return null;
        return `command "${command}" is not declared for service "${name}" (${declared.length > 0 ? `declared: ${declared.join(", ")}` : "it declares no commands"})`;
      }
      case "clean-disk":
        return service.cleanup !== undefined ? null : `service "${name}" declares no cleanup command`;
      case "promote":
        return service.promote !== undefined ? null : `service "${name}" declares no promote command`;
    }
  }

  private async run(action: ActionKind, service: AgentService, command: string | undefined): Promise<ActionOutcome> {
    const name = service.name;
    switch (action) {
      case "restart": {
        const previousPid = this.supervisor.pidOf(name);
        const pid = await this.supervisor.restart(name);
        return { ok: true, refused: false, data: { pid, previousPid } };
      }
      case "kill": {
        const previousPid = this.supervisor.pidOf(name);
        const pid = await this.supervisor.kill(name);
        return { ok: true, refused: false, data: { pid, previousPid } };
      }
      case "start":
        return { ok: true, refused: false, data: { pid: await this.supervisor.start(name) } };
      case "stop":
        await this.supervisor.stop(name);
        return { ok: true, refused: false, data: {} };
      case "restore":
        return this.restore(service);
      case "exec":
        return this.runCommand(service, service.commands![command!]!, { command });
      case "clean-disk":
        return this.runCommand(service, service.cleanup!, {});
      case "promote":
        return this.runCommand(service, service.promote!, {});
    }
  }

  /**
   * Stop, put the data back, start. The declared restore command wins over snapshots. A
   * snapshot restore that fails leaves the old data in place, so the service is started
   * again as it was; after a failed restore command the data is in an unknown state and
   * the service is left stopped.
   */
  private async restore(service: AgentService): Promise<ActionOutcome> {
    const name = service.name;
    const snapshot = service.restore === undefined ? await this.snapshots.latest(name) : null;
    if (service.restore === undefined && !snapshot) {
      return refuse(`service "${name}" has no snapshot to restore yet (snapshots are taken every ${service.snapshot!.every}ms into the agent's data directory)`);
    }
    const previousPid = this.supervisor.pidOf(name);
    await this.supervisor.stop(name);
    if (service.restore !== undefined) {
      const result = await runDeclaredCommand(service.restore, commandOptionsOf(service));
      const data = { previousPid, restore: "command", ...commandData(result) };
      if (result.exitCode !== 0) {
        return { ok: false, refused: false, error: `restore command ${describeFailure(result, commandOptionsOf(service).timeoutMs)}; the service was left stopped`, data };
      }
      return { ok: true, refused: false, data: { ...data, pid: await this.supervisor.start(name) } };
    }
    const path = service.snapshot!.path;
    let restored;
    try {
      restored = await this.snapshots.restoreLatest(name, path);
    } catch (err) {
      const pid = await this.supervisor.start(name).catch(() => null);
      return {
        ok: false,
        refused: false,
        error: `restore of "${path}" failed: ${(err as Error).message}; the service was started again on its old data`,
        data: { previousPid, pid, restore: "snapshot", path },
      };
    }
    const pid = await this.supervisor.start(name);
    return { ok: true, refused: false, data: { previousPid, pid, restore: "snapshot", snapshot: restored.id, takenAt: restored.takenAt, path } };
  }

  private async runCommand(service: AgentService, commandLine: string, extra: Record<string, unknown>): Promise<ActionOutcome> {
    const options = commandOptionsOf(service);
    const result = await runDeclaredCommand(commandLine, options);
    const data = { ...extra, ...commandData(result) };
    if (result.exitCode === 0) return { ok: true, refused: false, data };
    return { ok: false, refused: false, error: `command ${describeFailure(result, options.timeoutMs)}`, data };
  }
}

function commandData(result: CommandResult): Record<string, unknown> {
  return {
    exitCode: result.exitCode,
    ...(result.signal !== null && { signal: result.signal }),
    ...(result.timedOut && { timedOut: true }),
    output: result.output,
    durationMs: result.durationMs,
  };
}

function refuse(error: string): ActionOutcome {
  return { ok: false, refused: true, error: `refused: ${error}`, data: {} };
}
