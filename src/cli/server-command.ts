// `vigil server`: the control plane alone; agents connect to it. On PostgreSQL storage it is
// one replica of a cluster (src/server/replicas/replica-runner.ts): it leads or stands by.
import { startServer } from "../server/server.js";
import { startReplica } from "../server/replicas/replica-runner.js";
import { configSecrets } from "../config/secrets.js";
import { storageUrl } from "../storage/open-storage.js";
import { createLogger } from "../util/logger.js";
import { loadCommandConfig, serverSettings, type CommonFlags } from "./options.js";
import { runUntilSignal } from "./run-until-signal.js";

export async function serverCommand(flags: CommonFlags & { insecure?: boolean }): Promise<void> {
  const { config, file } = loadCommandConfig(flags);
  const { listen, dataDir } = serverSettings(flags, config);
  const logger = createLogger({ secrets: configSecrets(config) });
  if (flags.insecure && !config.server.tls) logger.warn({ listen }, "--insecure: serving plain HTTP; agents' credentials and data cross the network unencrypted");
  const databaseUrl = storageUrl(config.server.storage !== undefined ? { url: config.server.storage } : {});
  if (databaseUrl !== null) {
    const replica = await startReplica({
      config,
      listen,
      dataDir,
      logger,
      storageUrl: databaseUrl,
      ...(flags.insecure && { insecure: true }),
      onFatal: (err) => {
        logger.fatal({ err: err.message }, "replica cannot go on");
        process.exit(1);
      },
    });
    console.log(`Vigil server replica ${replica.name} on ${replica.url} (config: ${file ?? "none"}, data: ${dataDir}); contending for the leader lease`);
    runUntilSignal(() => replica.close(), (m) => logger.info(m));
    return;
  }
  const server = await startServer({ config, listen, dataDir, logger, ...(flags.insecure && { insecure: true }) });
  console.log(`Vigil server listening on ${server.url} (config: ${file ?? "none"}, data: ${dataDir})`);
  runUntilSignal(() => server.close(), (m) => logger.info(m));
}
