// The receiver kinds, one plugin file each: createNotifier picks the plugin for the kind a
// receiver declares. Adding a kind means a file beside these and a line in NOTIFIER_KINDS.
import type { ConnectionOptions } from "node:tls";
import type { ReceiverConfig } from "../../config/schema.js";
import type { Logger } from "../../util/logger.js";
import { CommandNotifier } from "./command.js";
import { EmailNotifier } from "./email.js";
import { receiverKind, type Notifier, type ReceiverKind } from "./notifier.js";
import { SlackNotifier } from "./slack.js";
import { WebhookNotifier } from "./webhook.js";

export interface NotifierOptions {
  logger: Logger;
  /** TLS settings for email receivers' SMTP connections (a private CA); default: Node's trusted CAs. */
  emailTls?: ConnectionOptions;
}

type NotifierFactory = (name: string, config: ReceiverConfig, options: NotifierOptions) => Notifier;

const NOTIFIER_KINDS: Record<ReceiverKind, NotifierFactory> = {
  webhook: (_name, config) => new WebhookNotifier(config.webhook!),
  slack: (name, config) => new SlackNotifier(name, config.slack!),
  email: (name, config, { logger, emailTls }) =>
    new EmailNotifier(name, config.email!, {
      logger: logger.child({ receiver: name }),
      ...(emailTls !== undefined && { tls: emailTls }),
    }),
  command: (name, config) => new CommandNotifier(name, config.command!),
};

/**
 * The notifier of a configured receiver. Throws for a receiver it cannot build (no or
 * several kinds, a template that does not compile, email user without password), naming it.
 */
export function createNotifier(receiverName: string, receiverConfig: ReceiverConfig, options: NotifierOptions): Notifier {
  return NOTIFIER_KINDS[receiverKind(receiverName, receiverConfig)](receiverName, receiverConfig, options);
}
