// Runs the agent's services as child processes (each in its own process group, output
// appended to <logDir>/<service>.log) and adopts processes it did not start via pidfiles.
// With a runDir it records its children there and, started again after it was killed, takes
// back the ones still running instead of starting second copies.
// It reports starts and exits as events; it never restarts anything on its own (a reconcile
// starts what is new to it, not what crashed: that is the server's decision). A standby
// service stays stopped until start(); a fenced one is stopped and cannot be started.
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AgentService } from "../protocol/messages.js";
import { systemClock, type Clock, type TimerHandle } from "../util/clock.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { ChildRecords, processStartTime } from "./child-records.js";
import { parseCommandLine } from "./command-line.js";
import { isProcessAliveSync, isStoppedState, readProcessStateSync } from "./probes/process.js";

export interface StartedEvent {
  service: string;
  pid: number;
  ts: number;
}

export interface AdoptedEvent {
  service: string;
  pid: number;
  ts: number;
  /** "pidfile": the service's pidfile names it; "previous-agent": a child of an earlier run of this agent. */
  from: "pidfile" | "previous-agent";
}

export interface ExitedEvent {
  service: string;
  /** null when the process could not be spawned at all. */
  pid: number | null;
  /** Exit code and signal; both null for adopted processes (not our children) and spawn failures. */
  code: number | null;
  signal: NodeJS.Signals | null;
  ts: number;
  /** True when the supervisor stopped it (stop, restart, reconcile); false for a crash or kill. */
  expected: boolean;
  /** Why the process could not be started (missing binary, bad cwd, ...). */
  error?: string;
}

export type SupervisorEventMap = {
  started: [StartedEvent];
  adopted: [AdoptedEvent];
  exited: [ExitedEvent];
};

export interface SupervisorOptions {
  logDir: string;
  /** Where children are recorded, so that a restarted agent takes back those still running. */
  runDir?: string;
  clock?: Clock;
  logger?: Logger;
}

/** Used when stopping an adopted process whose service has no run config. */
export const DEFAULT_STOP_TIMEOUT_MS = 5000;
/**
 * Adopted processes are not our children, so no 'exit' event tells us they died: they are
 * polled. 250 ms bounds the delay in noticing; our own children are never polled.
 */
export const ADOPTED_POLL_MS = 250;
/** While stopping an adopted process, its death is polled this often. */
const ADOPTED_STOP_POLL_MS = 20;
/** Service names become log file names: the config's name syntax, nothing path-like. */
const SAFE_SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

interface TrackedProcess {
  pid: number;
  /**
   * "child": started by this agent. "orphan": started by an earlier run of this agent, taken
   * back from its record; like a child it leads its own process group, but no 'exit' event
   * reports its death, so that is polled. "adopted": named by a pidfile, not ours. Children
   * and orphans are signalled as a process group (-pid); an adopted process only by its pid.
   */
  origin: "child" | "orphan" | "adopted";
  stopping: boolean;
  done: boolean;
  exited: Promise<void>;
  markExited: () => void;
  /** Orphans only: the poll that notices their death. */
  deathPoll: TimerHandle | null;
}

interface ManagedService {
  config: AgentService;
  /** What, when changed, means the process must be replaced (command, cwd, env, pidfile). */
  fingerprint: string;
  proc: TrackedProcess | null;
  /** Stopped on purpose: reconcile does not start it again until start() or restart(). */
  heldDown: boolean;
  /**
   * Its process exited without being stopped (a crash, a kill from outside): reconcile leaves
   * it down — the server decides about a restart, within its recovery limits and as part of
   * one incident — until start(), restart() or kill().
   */
  exitedOnItsOwn: boolean;
  /**
   * A standby that no start(), restart() or kill() has activated yet: reconcile leaves it
   * stopped while its config says standby.
   */
  standbyIdle: boolean;
  /** A pid from the pidfile that was seen dead: not adopted again. */
  lastDeadAdoptedPid: number | null;
  pidfileWatch: TimerHandle | null;
}

export class Supervisor extends EventEmitter<SupervisorEventMap> {
  private readonly logDir: string;
  private readonly records: ChildRecords | null;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly services = new Map<string, ManagedService>();
  /** One chain of operations per service name, so start/stop/restart/reconcile never interleave. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Chaos crash-loop: how many more starts of the service exit at once. */
  private readonly failingStarts = new Map<string, number>();

  constructor(options: SupervisorOptions) {
    super();
    this.logDir = options.logDir;
    this.records = options.runDir !== undefined ? new ChildRecords(options.runDir) : null;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ component: "supervisor" });
  }

  /**
   * Makes the running set match `services` (level-triggered, idempotent): starts what is
   * not running (unless stopped on purpose), replaces processes whose command, cwd, env or
   * pidfile changed, stops what is no longer listed, and leaves everything else alone.
   * Adopted processes that drop out of the list are only released, never killed.
   */
  async reconcile(services: AgentService[]): Promise<void> {
    const wanted = new Map(services.map((s) => [s.name, s]));
    const work: Promise<unknown>[] = [];
    for (const name of this.services.keys()) {
      if (!wanted.has(name)) work.push(this.serially(name, () => this.forget(name)));
    }
    for (const service of wanted.values()) work.push(this.serially(service.name, () => this.apply(service)));
    const outcomes = await Promise.allSettled(work);
    for (const outcome of outcomes) {
      // Failures to start were already reported as "exited" events with the error.
      if (outcome.status === "rejected") this.logger.warn({ err: outcome.reason }, "reconcile step failed");
    }
  }

  /** Starts the service's run command; resolves with the pid (the current one if already running). */
  start(service: string): Promise<number> {
    return this.serially(service, async () => {
      const managed = this.startable(service);
      if (managed.proc) return managed.proc.pid;
      return this.spawnService(managed);
    });
  }

  /** SIGTERM (SIGKILL after run.stopTimeout, at once if the process is stopped); resolves on exit. */
  stop(service: string): Promise<void> {
    return this.serially(service, async () => {
      const managed = this.known(service);
      managed.heldDown = true;
      if (managed.proc) await this.terminate(managed, managed.proc);
    });
  }

  /** Stops the service if running, then starts it; resolves with the new pid once spawned. */
  restart(service: string): Promise<number> {
    return this.serially(service, async () => {
      const managed = this.startable(service);
      if (managed.proc) await this.terminate(managed, managed.proc);
      return this.spawnService(managed);
    });
  }

  /**
   * For a hung service: SIGKILL at once (no SIGTERM grace, also when SIGSTOPped), then
   * start it; resolves with the new pid once spawned.
   */
  kill(service: string): Promise<number> {
    return this.serially(service, async () => {
      const managed = this.startable(service);
      if (managed.proc) await this.terminate(managed, managed.proc, { immediately: true });
      return this.spawnService(managed);
    });
  }

  /**
   * The chaos crash-loop fault: the next `starts` starts of the service run a process that
   * exits at once with code 1 instead of its command (0 ends it).
   */
  failNextStarts(service: string, starts: number): void {
    if (starts > 0) this.failingStarts.set(service, starts);
    else this.failingStarts.delete(service);
  }

  /** Whether the service is fenced or an idle standby: either way the agent must not run or probe it. */
  isDormant(service: string): boolean {
    const managed = this.services.get(service);
    if (!managed) return false;
    return managed.config.fenced === true || (managed.config.standby === true && managed.standbyIdle);
  }

  pidOf(service: string): number | null {
    return this.services.get(service)?.proc?.pid ?? null;
  }

  running(): Array<{ service: string; pid: number }> {
    const list: Array<{ service: string; pid: number }> = [];
    for (const [service, managed] of this.services) if (managed.proc) list.push({ service, pid: managed.proc.pid });
    return list;
  }

  /**
   * For agent shutdown: stops every child gracefully and stops watching adopted processes
   * (which keep running). Everything counts as stopped on purpose afterwards: a later
   * reconcile starts nothing until start() or restart().
   */
  async stopAll(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const [name, managed] of this.services) {
      work.push(
        this.serially(name, async () => {
          this.unwatchPidfile(managed);
          managed.heldDown = true;
          if (managed.proc && managed.proc.origin !== "adopted") await this.terminate(managed, managed.proc);
          else managed.proc = null;
        }),
      );
    }
    await Promise.allSettled(work);
  }

  // ---- reconcile steps -------------------------------------------------------------

  private async apply(service: AgentService): Promise<void> {
    const fingerprint = fingerprintOf(service);
    let managed = this.services.get(service.name);
    // A service handed back to being a standby while stopped waits for a start() again; one
    // still running (it was failed over to here) stays active.
    const becomesIdleStandby = managed !== undefined && service.standby === true && managed.config.standby !== true && !managed.proc;
    if (managed && managed.fingerprint === fingerprint) {
      managed.config = service; // e.g. a new stopTimeout: applies from the next stop, no restart
      if (becomesIdleStandby) managed.standbyIdle = true;
    } else {
      const previous = managed;
      managed = {
        config: service,
        fingerprint,
        proc: null,
        heldDown: false,
        exitedOnItsOwn: false,
        standbyIdle: previous ? previous.standbyIdle || becomesIdleStandby : true,
        lastDeadAdoptedPid: null,
        pidfileWatch: null,
      };
      if (previous) {
        this.unwatchPidfile(previous);
        const keepAdopted = previous.proc?.origin === "adopted" && previous.config.pidfile === service.pidfile;
        if (keepAdopted) managed.proc = previous.proc;
        else if (previous.proc && previous.proc.origin !== "adopted") await this.terminate(previous, previous.proc);
        this.logger.info({ service: service.name }, "run config changed");
      } else {
        await this.reclaimOrphan(managed);
      }
      this.services.set(service.name, managed);
      if (service.pidfile !== undefined) this.watchPidfile(managed);
    }
    if (service.fenced) {
      // Whatever runs here must stop, adopted processes included: another node runs it now.
      if (managed.proc) {
        this.logger.warn({ service: service.name, pid: managed.proc.pid }, "service is fenced: stopping it");
        await this.terminate(managed, managed.proc);
      }
      return;
    }
    if (managed.proc || managed.heldDown || managed.exitedOnItsOwn || (service.standby && managed.standbyIdle)) return;
    // With both pidfile and run, a live pid in the pidfile wins over starting a second copy.
    if (service.pidfile !== undefined && this.adoptFromPidfile(managed)) return;
    if (service.run) await this.spawnService(managed);
  }

  private async forget(name: string): Promise<void> {
    const managed = this.services.get(name);
    if (!managed) return;
    this.unwatchPidfile(managed);
    if (managed.proc && managed.proc.origin !== "adopted") await this.terminate(managed, managed.proc);
    this.services.delete(name);
  }

  // ---- processes -------------------------------------------------------------------

  /** Spawns the run command; a failure is reported as an "exited" event and rejects. */
  private spawnService(managed: ManagedService): Promise<number> {
    const name = managed.config.name;
    const run = managed.config.run;
    if (!run) return Promise.reject(new Error(`service "${name}" has no run command`));
    const refuse = (reason: string): Promise<number> => {
      this.publish("exited", { service: name, pid: null, code: null, signal: null, ts: this.clock.now(), expected: false, error: reason });
      this.logger.error({ service: name, error: reason }, "service could not be started");
      return Promise.reject(new Error(`cannot start service "${name}": ${reason}`));
    };
    if (!SAFE_SERVICE_NAME.test(name)) return refuse(`the name is not usable as a log file name (letters, digits, '.', '_', ':', '-')`);
    const parsed = parseCommandLine(run.command);
    if ("argv" in parsed && parsed.argv.length === 0) return refuse("the run command is empty");
    // Spawning the program directly makes the supervised pid the service itself; shell
    // syntax needs /bin/sh, whose pid then leads the group that stop() signals.
    let [file, args] = "argv" in parsed ? [parsed.argv[0]!, parsed.argv.slice(1)] : ["/bin/sh", ["-c", run.command]];
    const failing = this.failingStarts.get(name) ?? 0;
    if (failing > 0) {
      this.failNextStarts(name, failing - 1);
      const note = `vigil chaos crash-loop: this start of ${name} exits at once (${failing - 1} more after it)`;
      [file, args] = [process.execPath, ["-e", `console.error(${JSON.stringify(note)}); process.exit(1)`]];
    }
    // spawn() reports a missing cwd as "spawn <file> ENOENT", which blames the program.
    if (run.cwd !== undefined && !isDirectory(run.cwd)) return refuse(`working directory "${run.cwd}" does not exist or is not a directory`);

    let child: ChildProcess;
    let logFd: number;
    try {
      mkdirSync(this.logDir, { recursive: true });
      logFd = openSync(join(this.logDir, `${name}.log`), "a");
    } catch (err) {
      return refuse(`cannot open its log file in "${this.logDir}": ${(err as Error).message}`);
    }
    try {
      child = spawn(file, args, {
        cwd: run.cwd,
        env: { ...process.env, ...run.env },
        detached: true,
        stdio: ["ignore", logFd, logFd],
      });
    } catch (err) {
      return refuse((err as Error).message);
    } finally {
      closeSync(logFd); // the child holds its own copy
    }

    return new Promise<number>((resolve, reject) => {
      let proc: TrackedProcess | null = null;
      child.once("spawn", () => {
        proc = track(child.pid!, "child");
        managed.proc = proc;
        this.record(name, proc.pid, managed.fingerprint);
        this.logger.info({ service: name, pid: proc.pid, command: run.command, shell: !("argv" in parsed) }, "service started");
        this.publish("started", { service: name, pid: proc.pid, ts: this.clock.now() });
        resolve(proc.pid);
      });
      child.on("error", (err: NodeJS.ErrnoException) => {
        if (proc) {
          this.logger.warn({ service: name, pid: proc.pid, err }, "child process error");
          return;
        }
        refuse(spawnErrorReason(file, err)).catch(reject);
      });
      child.on("exit", (code, signal) => {
        if (proc) this.onExit(managed, proc, code, signal);
      });
    });
  }

  /** Signals the process and waits for its exit. */
  private async terminate(managed: ManagedService, proc: TrackedProcess, options: { immediately?: boolean } = {}): Promise<void> {
    if (proc.done) return;
    proc.stopping = true;
    const name = managed.config.name;
    const target = proc.origin === "adopted" ? proc.pid : -proc.pid;
    const stopTimeout = managed.config.run?.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
    let killTimer: TimerHandle | null = null;
    // A stopped process (SIGSTOPped, state T) cannot act on SIGTERM until continued: waiting
    // stopTimeout for it would only delay the restart.
    if (options.immediately) {
      this.logger.info({ service: name, pid: proc.pid }, "kill: SIGKILL");
      sendSignal(target, "SIGKILL");
    } else if (isStoppedState(readProcessStateSync(proc.pid))) {
      this.logger.info({ service: name, pid: proc.pid }, "process is stopped: SIGKILL");
      sendSignal(target, "SIGKILL");
    } else {
      sendSignal(target, "SIGTERM");
      killTimer = this.clock.setTimeout(() => {
        this.logger.warn({ service: name, pid: proc.pid, stopTimeout }, "no exit after SIGTERM: SIGKILL");
        sendSignal(target, "SIGKILL");
      }, stopTimeout);
    }
    let deathWatch: TimerHandle | null = null;
    if (proc.origin !== "child") {
      const check = (): void => {
        if (!isProcessAliveSync(proc.pid)) this.onExit(managed, proc, null, null);
      };
      deathWatch = this.clock.setInterval(check, ADOPTED_STOP_POLL_MS);
      check();
    }
    await proc.exited;
    killTimer?.cancel();
    deathWatch?.cancel();
  }

  private onExit(managed: ManagedService, proc: TrackedProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (proc.done) return;
    proc.done = true;
    if (managed.proc === proc) {
      managed.proc = null;
      if (!proc.stopping) managed.exitedOnItsOwn = true;
    }
    proc.deathPoll?.cancel();
    if (proc.origin !== "adopted") {
      // Whatever the leader left in its group (a shell's children) goes with it, so that a
      // restart does not find the port still held.
      sendSignal(-proc.pid, "SIGKILL");
      this.records?.remove(managed.config.name);
    } else {
      managed.lastDeadAdoptedPid = proc.pid;
    }
    const name = managed.config.name;
    const event: ExitedEvent = { service: name, pid: proc.pid, code, signal, ts: this.clock.now(), expected: proc.stopping };
    this.logger[proc.stopping ? "info" : "warn"]({ ...event }, "service exited");
    this.publish("exited", event);
    proc.markExited();
  }

  // ---- pidfiles --------------------------------------------------------------------

  /** Adopts the pidfile's process if it is alive; returns whether it did. */
  private adoptFromPidfile(managed: ManagedService): boolean {
    const pid = readPidfile(managed.config.pidfile!);
    if (pid === null || pid === managed.lastDeadAdoptedPid || pid === process.pid) return false;
    if (!isProcessAliveSync(pid)) return false;
    managed.proc = track(pid, "adopted");
    this.logger.info({ service: managed.config.name, pid }, "process adopted from pidfile");
    this.publish("adopted", { service: managed.config.name, pid, ts: this.clock.now(), from: "pidfile" });
    return true;
  }

  // ---- children of an earlier run of this agent ------------------------------------

  private record(service: string, pid: number, fingerprint: string): void {
    if (!this.records) return;
    const startTime = processStartTime(pid);
    try {
      if (startTime !== null) this.records.write(service, { pid, startTime, fingerprint });
    } catch (err) {
      // Only a restart after a crash needs the record; the service itself runs fine.
      this.logger.warn({ service, pid, err }, "could not record the child: an agent restarted after a crash would start a second copy");
    }
  }

  /**
   * Takes back the service's child left running by an earlier run of this agent (killed
   * without stopping its children) when its record names a live process with the recorded
   * start time. One started with another run config than today's is stopped: the config
   * changed while the agent was down. A record of a process that is gone is removed.
   */
  private async reclaimOrphan(managed: ManagedService): Promise<void> {
    const name = managed.config.name;
    const record = this.records?.read(name);
    if (!record) return;
    if (processStartTime(record.pid) !== record.startTime || !isProcessAliveSync(record.pid)) {
      this.records!.remove(name);
      return;
    }
    const proc = track(record.pid, "orphan");
    proc.deathPoll = this.clock.setInterval(() => {
      if (!isProcessAliveSync(proc.pid)) this.onExit(managed, proc, null, null);
    }, ADOPTED_POLL_MS);
    managed.proc = proc;
    if (record.fingerprint !== managed.fingerprint) {
      this.logger.info({ service: name, pid: proc.pid }, "a child of the previous agent run has an old run config: stopping it");
      await this.terminate(managed, proc);
      return;
    }
    this.logger.info({ service: name, pid: proc.pid }, "child of the previous agent run taken back");
    this.publish("adopted", { service: name, pid: proc.pid, ts: this.clock.now(), from: "previous-agent" });
  }

  /**
   * Polls an adopted process for its death, and a pidfile-only service's pidfile for a new
   * process (its own manager may restart it). Children are never polled: their 'exit' event
   * reports death at once.
   */
  private watchPidfile(managed: ManagedService): void {
    managed.pidfileWatch = this.clock.setInterval(() => {
      const proc = managed.proc;
      if (proc?.origin === "adopted") {
        if (!isProcessAliveSync(proc.pid)) this.onExit(managed, proc, null, null);
      } else if (!proc && !managed.config.run && !managed.heldDown && !managed.config.fenced) {
        this.adoptFromPidfile(managed);
      }
    }, ADOPTED_POLL_MS);
  }

  private unwatchPidfile(managed: ManagedService): void {
    managed.pidfileWatch?.cancel();
    managed.pidfileWatch = null;
  }

  // ---- helpers ---------------------------------------------------------------------

  private known(service: string): ManagedService {
    const managed = this.services.get(service);
    if (!managed) throw new Error(`unknown service "${service}": it is not in this agent's config`);
    return managed;
  }

  /** For start, restart and kill: runnable and not fenced; the service counts as wanted from now on. */
  private startable(service: string): ManagedService {
    const managed = this.runnable(service);
    if (managed.config.fenced) throw new FencedError(service);
    managed.heldDown = false;
    managed.exitedOnItsOwn = false;
    managed.standbyIdle = false;
    return managed;
  }

  private runnable(service: string): ManagedService {
    const managed = this.known(service);
    if (!managed.config.run) {
      const why = managed.config.pidfile !== undefined ? " (its process is adopted from a pidfile and only its own manager can start it)" : "";
      throw new Error(`service "${service}" has no run command${why}`);
    }
    return managed;
  }

  private serially<T>(name: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const result = previous.then(operation);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return result;
  }

  /** Emits without letting a throwing listener break process bookkeeping. */
  private publish<K extends keyof SupervisorEventMap>(event: K, ...payload: SupervisorEventMap[K]): void {
    try {
      (this as unknown as EventEmitter).emit(event, ...payload);
    } catch (err) {
      this.logger.error({ err, event }, "supervisor event listener threw");
    }
  }
}

/** start, restart or kill of a fenced service: it must not run on this node until unfenced. */
export class FencedError extends Error {
  constructor(readonly service: string) {
    super(`service "${service}" is fenced on this node: it must not run here until the server unfences it`);
  }
}

function track(pid: number, origin: TrackedProcess["origin"]): TrackedProcess {
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  return { pid, origin, stopping: false, done: false, exited, markExited, deathPoll: null };
}

/** The restart-relevant part of a service: stopTimeout and health changes need no restart. */
function fingerprintOf(service: AgentService): string {
  const run = service.run;
  return JSON.stringify({
    command: run?.command ?? null,
    cwd: run?.cwd ?? null,
    env: run ? Object.entries(run.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null,
    pidfile: service.pidfile ?? null,
  });
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: already gone; its exit is (or was) reported through the usual path.
  }
}

function readPidfile(path: string): number | null {
  try {
    const text = readFileSync(path, "utf8").trim();
    if (!/^\d+$/.test(text)) return null;
    const pid = Number(text);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function spawnErrorReason(file: string, err: NodeJS.ErrnoException): string {
  if (err.code === "ENOENT") return `command not found: "${file}" (${err.message})`;
  if (err.code === "EACCES") return `permission denied running "${file}" (${err.message})`;
  return err.message;
}
