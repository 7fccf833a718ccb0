// `vigil validate [FILE]`: checks a config without starting anything; exit 0 when valid,
// else every problem with its path, line and column, and exit 1.
import { resolve } from "node:path";
import { ConfigError } from "../config/config-error.js";
import { findDefaultConfig, loadConfigFile } from "../config/load.js";

export function validateCommand(file: string | undefined, flags: { config?: string }): number {
  const path = file ?? flags.config ?? process.env.VIGIL_CONFIG ?? findDefaultConfig(process.cwd());
  if (!path) {
    console.error("vigil validate: no config file given and no vigil.yaml in the current directory");
    return 1;
  }
  try {
    const config = loadConfigFile(resolve(path));
    console.log(
      `${path}: valid (${config.services.length} services, ${Object.keys(config.playbooks).length} playbooks, ` +
        `${config.rules.length} rules, ${Object.keys(config.notify.receivers).length} receivers)`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
