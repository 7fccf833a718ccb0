// `vigil server`: the control plane alone; agents connect to it.
import { startServer } from "../server/server.js";
import { configSecrets } from "../config/secrets.js";
import { createLogger } from "../util/logger.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

export async function serverCommand(flags: CommonFlags & { insecure?: boolean }): Promise<void> {
  const { config, file } = loadCommandConfig(flags);
  const { listen, dataDir } = serverSettings(flags, config);
  const logger = createLogger({ secrets: configSecrets(config) });
  const server = await startServer({ config, listen, dataDir, logger, ...(flags.insecure && { insecure: true }) });
  if (flags.insecure && !config.server.tls) logger.warn({ listen }, "--insecure: serving plain HTTP; agents' credentials and data cross the network unencrypted");
  console.log(`Vigil server listening on ${server.url} (config: ${file ?? "none"}, data: ${dataDir})`);
  runUntilSignal(() => server.close(), (m) => logger.info(m));
}
