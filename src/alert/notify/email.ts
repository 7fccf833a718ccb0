// The email receiver kind: one message per notification over SMTP (nodemailer), with the
// subject from the `title` template and a plain-text body from `text`, plus the same text as
// escaped HTML. TLS from the start when `secure`, else STARTTLS whenever the server offers it.
import type { ConnectionOptions } from "node:tls";
import nodemailer from "nodemailer";
import type { ReceiverConfig } from "../../config/schema.js";
import type { Logger } from "../../util/logger.js";
import { DeliveryError, type DeliveryContext, type Notifier } from "./notifier.js";
import { compileMessageTemplates, type MessageRenderer } from "./templates.js";
import type { WebhookPayload } from "./webhook-payload.js";

export type EmailConfig = NonNullable<ReceiverConfig["email"]>;

export interface EmailNotifierOptions {
  logger: Logger;
  /** TLS settings for the SMTP connection (a private CA, for example); default: Node's trusted CAs. */
  tls?: ConnectionOptions;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export class EmailNotifier implements Notifier {
  readonly kind = "email";
  private readonly renderer: MessageRenderer;
  private readonly where: string;

  constructor(
    receiverName: string,
    private readonly config: EmailConfig,
    private readonly options: EmailNotifierOptions,
  ) {
    const { user, password } = config.smtp;
    if ((user === undefined) !== (password === undefined)) {
      throw new Error(`notify.receivers.${receiverName}.email.smtp: expected both user and password, or neither`);
    }
    this.renderer = compileMessageTemplates(`notify.receivers.${receiverName}.email`, config);
    this.where = `SMTP ${config.smtp.host}:${config.smtp.port}`;
  }

  async send(notification: WebhookPayload, delivery?: DeliveryContext): Promise<void> {
    const content = emailContent(this.renderer, notification);
    const { smtp, timeout } = this.config;
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user !== undefined && { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(this.options.tls !== undefined && { tls: this.options.tls }),
    });
    try {
      const info = await transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        // Stable across attempts: a mail client can recognize the duplicate of a retried message.
        ...(delivery !== undefined && { messageId: `<vigil.${delivery.key}@${domainOf(this.config.from)}>` }),
        signal: AbortSignal.timeout(timeout),
      });
      if (info.rejected.length > 0) {
        // Some recipients have it: a retry would send them duplicates, so this counts as delivered.
        this.options.logger.warn(
          { rejected: info.rejected, accepted: info.accepted, response: info.response },
          "email notification refused for some recipients",
        );
      }
    } catch (err) {
      throw new DeliveryError(this.redact(`${this.where}: ${smtpReason(err, timeout)}`), { retryable: true });
    } finally {
      transport.close();
    }
  }

  private redact(message: string): string {
    const password = this.config.smtp.password;
    return password !== undefined && password.length >= 4 ? message.split(password).join("<redacted>") : message;
  }
}

/** Subject (one line), text body, and the text as HTML with every character escaped. */
export function emailContent(renderer: MessageRenderer, notification: WebhookPayload): EmailContent {
  const subject = renderer.title(notification).replace(/\s+/g, " ").trim() || `[${notification.status.toUpperCase()}]`;
  const text = renderer.text(notification).trim();
  const link = /^https?:\/\//.test(notification.externalURL)
    ? `<p><a href="${escapeHtml(notification.externalURL)}">Open Vigil</a></p>`
    : "";
  const html =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n` +
    `<body>\n<h2>${escapeHtml(subject)}</h2>\n` +
    `<pre style="font-family: inherit; white-space: pre-wrap">${escapeHtml(text)}</pre>\n${link}</body></html>\n`;
  return { subject, text: `${text}\n`, html };
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

interface SmtpError {
  name?: string;
  code?: string;
  message?: string;
  response?: string;
  rejected?: string[];
}

/** nodemailer's error as one line saying which step failed: recipients, login, connection, timeout. */
function smtpReason(err: unknown, timeout: number): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as SmtpError;
  if (e.name === "AbortError" || e.code === "EABORT") return `timed out after ${timeout}ms`;
  const response = e.response?.trim();
  if (e.code === "EENVELOPE" && e.rejected !== undefined && e.rejected.length > 0) {
    return `recipient${e.rejected.length === 1 ? "" : "s"} refused: ${e.rejected.join(", ")}${response ? ` (${response})` : ""}`;
  }
  if (e.code === "EAUTH") return `login refused${response ? `: ${response}` : `: ${e.message}`}`;
  return e.message ?? String(err);
}

function domainOf(address: string): string {
  const match = /@([^\s>]+)>?\s*$/.exec(address);
  return match?.[1] ?? "vigil.invalid";
}
