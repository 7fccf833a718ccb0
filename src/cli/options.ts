// Where each setting of a command comes from: the flag, else its environment variable,
// else the config file, else the default. One place, so every command agrees.
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { configSchema, type VigilConfig } from "../config/schema.js";
import { defaultRules } from "../config/defaults.js";
import { defaultForecastRules } from "../detect/forecast/default-forecast-rules.js";
import { findDefaultConfig, loadConfigFile } from "../config/load.js";
import type { ApiTarget } from "./api-get.js";

export interface CommonFlags {
  config?: string;
  listen?: string;
  data?: string;
  server?: string;
  /** API token of client commands (default $VIGIL_TOKEN). */
  token?: string;
}

/** The flags of a command that calls a running server's API. */
export interface ClientFlags {
  server?: string;
  /** API token (default $VIGIL_TOKEN). */
  token?: string;
  /** Print the API's JSON instead of a table. */
  json?: boolean;
}

export interface LoadedConfig {
  config: VigilConfig;
  /** The file it came from, or null for the built-in zero-configuration defaults. */
  file: string | null;
}

/**
 * Loads --config FILE, else $VIGIL_CONFIG, else ./vigil.yaml; with none of them, the
 * zero-configuration defaults (this machine's resources and the default rules) when
 * `zeroConfig` is set, else an empty config.
 */
export function loadCommandConfig(flags: CommonFlags, options: { zeroConfig?: boolean } = {}): LoadedConfig {
  const file = flags.config ?? process.env.VIGIL_CONFIG ?? findDefaultConfig(process.cwd());
  if (file) return { config: loadConfigFile(resolve(file)), file: resolve(file) };
  const config = configSchema.parse({});
  if (options.zeroConfig) {
    config.rules = [...defaultRules(), ...defaultForecastRules().map((rule) => ({ ...rule, kind: "forecast" as const }))];
  }
  return { config, file: null };
}

/** Applies --listen / $VIGIL_LISTEN and --data / $VIGIL_DATA over the config. */
export function serverSettings(flags: CommonFlags, config: VigilConfig): { listen: string; dataDir: string } {
  return {
    listen: flags.listen ?? process.env.VIGIL_LISTEN ?? config.server.listen,
    dataDir: resolve(flags.data ?? process.env.VIGIL_DATA ?? config.server.data),
  };
}

/** The server URL for agents and client commands: --server, $VIGIL_SERVER, or the config's listen address. */
export function serverUrl(flags: CommonFlags, fallbackListen = "127.0.0.1:7070"): string {
  const url = flags.server ?? process.env.VIGIL_SERVER ?? `http://${fallbackListen}`;
  return url.replace(/\/+$/, "");
}

/**
 * The agent's server replicas, in the order to try them: every --server (repeatable, and each
 * may list several URLs separated by commas), else $VIGIL_SERVER (comma-separated), else
 * http://127.0.0.1:7070. An empty entry ("a,,b", a trailing comma) is an error naming where.
 */
export function agentServerUrls(flags: { server?: readonly string[] }, env: string | undefined = process.env.VIGIL_SERVER): string[] {
  const [source, values] =
    flags.server !== undefined && flags.server.length > 0
      ? (["--server", flags.server] as const)
      : env !== undefined && env.trim() !== ""
        ? (["$VIGIL_SERVER", [env]] as const)
        : (["the default", ["http://127.0.0.1:7070"]] as const);
  return values.flatMap((value) => {
    const urls = value.split(",").map((url) => url.trim());
    if (urls.some((url) => url === "")) {
      throw new Error(`${source}: an empty server URL in ${JSON.stringify(value)} (list several replicas' URLs separated by commas, or repeat --server)`);
    }
    return urls.map((url) => url.replace(/\/+$/, ""));
  });
}

/** Where a client command calls, with which token: --server / $VIGIL_SERVER, --token / $VIGIL_TOKEN. */
export function apiTarget(flags: CommonFlags): ApiTarget {
  const token = flags.token ?? process.env.VIGIL_TOKEN;
  return { base: serverUrl(flags), token: token ? token.trim() : null };
}

/** Who is at the keyboard, for silences' authors and approvals: $VIGIL_AUTHOR, else $USER, else the login name. */
export function operatorName(): string {
  if (process.env.VIGIL_AUTHOR) return process.env.VIGIL_AUTHOR;
  if (process.env.USER) return process.env.USER;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
