// Structured logging (pino, JSON lines on stderr). Components take a Logger and add
// their own bindings with child({ component: "..." }). Secrets never reach a line: fields
// that hold credentials are censored by path, and every finished line is scrubbed of Vigil
// tokens and of the config's secret values (util/secrets.ts).
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import { SecretScrubber } from "./secrets.js";

export type Logger = PinoLogger;

/** Fields censored wherever they appear (one level deep, and in request/headers objects). */
export const REDACTED_PATHS = [
  "token",
  "*.token",
  "password",
  "*.password",
  "*.smtp.password",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.headers[\"x-csrf-token\"]",
  "cookie",
  "*.cookie",
  "csrfToken",
  "*.csrfToken",
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Values scrubbed from every line (config/secrets.ts). */
  secrets?: Iterable<string>;
  /** Default: stderr. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.VIGIL_LOG_LEVEL ?? "info";
  const scrubber = new SecretScrubber(options.secrets);
  return pino(
    {
      level,
      name: options.name ?? "vigil",
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: "<redacted>" },
      hooks: { streamWrite: (line) => scrubber.scrub(line) },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
