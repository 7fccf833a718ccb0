// Structured logging (pino, JSON lines on stderr). Components take a Logger and add
// their own bindings with child({ component: "..." }).
import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const level = options.level ?? process.env.VIGIL_LOG_LEVEL ?? "info";
  return pino({ level, name: options.name ?? "vigil", base: undefined }, pino.destination(2));
}

/** A logger that writes nothing: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
