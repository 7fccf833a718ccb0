// The slack receiver kind: a Slack incoming-webhook message with a plain `text` fallback and
// Block Kit `blocks` (a header with the title, a section per alert or for the custom text, a
// context line linking back to Vigil), cut to Slack's limits with a note saying so.
import type { ReceiverConfig } from "../../config/schema.js";
import type { DeliveryContext, Notifier } from "./notifier.js";
import { compileMessageTemplates, type MessageRenderer } from "./templates.js";
import type { WebhookAlert, WebhookPayload } from "./webhook-payload.js";
import { sendWebhook } from "./webhook.js";

export type SlackConfig = NonNullable<ReceiverConfig["slack"]>;

/** Slack's limits (api.slack.com/reference/block-kit): blocks per message, characters per text field. */
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_TEXT = 3000;
export const SLACK_MAX_HEADER = 150;

const STATUS_EMOJI = { firing: ":red_circle:", resolved: ":large_green_circle:" } as const;
const TRUNCATED = "… (truncated)";

export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: "header"; text: SlackText }
  | { type: "section"; text: SlackText }
  | { type: "context"; elements: SlackText[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  channel?: string;
}

export class SlackNotifier implements Notifier {
  readonly kind = "slack";
  private readonly renderer: MessageRenderer;

  constructor(
    private readonly receiverName: string,
    private readonly config: SlackConfig,
  ) {
    this.renderer = compileMessageTemplates(`notify.receivers.${receiverName}.slack`, config);
  }

  async send(notification: WebhookPayload, _delivery?: DeliveryContext): Promise<void> {
    const message = slackMessage(this.receiverName, this.config, this.renderer, notification);
    await sendWebhook({ url: this.config.url, timeout: this.config.timeout, headers: {} }, JSON.stringify(message), {
      // The incoming-webhook URL carries the token in its path: errors name only the host.
      describeAs: `Slack webhook at ${hostOf(this.config.url)}`,
    });
  }
}

/** The message for one notification; throws a non-retryable DeliveryError when a template fails. */
export function slackMessage(
  receiverName: string,
  config: Pick<SlackConfig, "channel">,
  renderer: MessageRenderer,
  notification: WebhookPayload,
): SlackMessage {
  const emoji = STATUS_EMOJI[notification.status];
  const title = renderer.title(notification).replace(/\s+/g, " ").trim() || `[${notification.status.toUpperCase()}]`;
  const body = renderer.customText ? textSections(renderer.text(notification)) : notification.alerts.map(alertSection);

  // header + body + context must fit in SLACK_MAX_BLOCKS; when the body does not, its last
  // kept block becomes the note about what was left out.
  const room = SLACK_MAX_BLOCKS - 2;
  const shown = body.length <= room ? body : body.slice(0, room - 1);
  const sections: SlackBlock[] = shown.map((text) => ({ type: "section", text: { type: "mrkdwn", text } }));
  if (body.length > room) {
    const left = body.length - shown.length;
    const what = renderer.customText ? `${left} more part${left === 1 ? "" : "s"} of the message` : `${left} more alert${left === 1 ? "" : "s"}`;
    sections.push({ type: "section", text: { type: "mrkdwn", text: `…and ${what} not shown (Slack allows ${SLACK_MAX_BLOCKS} blocks per message)` } });
  }

  const link = /^https?:\/\//.test(notification.externalURL) ? `<${notification.externalURL}|Vigil>` : "Vigil";
  const context = [`${link} · receiver ${escapeMrkdwn(receiverName)}`];
  if (notification.truncatedAlerts > 0) context.push(`${notification.truncatedAlerts} alerts were left out of this notification`);

  return {
    text: truncate(`${emoji} ${title}`, SLACK_MAX_TEXT),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(`${emoji} ${title}`, SLACK_MAX_HEADER), emoji: true } },
      ...sections,
      { type: "context", elements: [{ type: "mrkdwn", text: truncate(context.join(" · "), SLACK_MAX_TEXT) }] },
    ],
    ...(config.channel !== undefined && { channel: config.channel }),
  };
}

/** An alert as mrkdwn: status and summary (linked to the alert), description, labels but alertname. */
function alertSection(alert: WebhookAlert): string {
  const name = alert.annotations.summary ?? alert.labels.alertname ?? alert.fingerprint;
  const heading = /^https?:\/\//.test(alert.generatorURL)
    ? `*<${alert.generatorURL}|${escapeMrkdwn(name)}>*`
    : `*${escapeMrkdwn(name)}*`;
  const labels = Object.keys(alert.labels)
    .filter((label) => label !== "alertname")
    .sort()
    .map((label) => `\`${escapeMrkdwn(`${label}=${alert.labels[label]}`).replaceAll("`", "'")}\``)
    .join(" ");
  const lines = [`${STATUS_EMOJI[alert.status]} ${heading}`];
  if (alert.annotations.description) lines.push(escapeMrkdwn(alert.annotations.description));
  if (labels) lines.push(labels);
  return truncate(lines.join("\n"), SLACK_MAX_TEXT);
}

/** A custom text in sections of at most SLACK_MAX_TEXT characters, cut at line ends where possible. */
function textSections(text: string): string[] {
  const sections: string[] = [];
  let rest = text.trim();
  while (rest.length > SLACK_MAX_TEXT) {
    const lineEnd = rest.lastIndexOf("\n", SLACK_MAX_TEXT);
    const cut = lineEnd > SLACK_MAX_TEXT / 2 ? lineEnd : safeCut(rest, SLACK_MAX_TEXT);
    sections.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  if (rest.trim() !== "") sections.push(rest);
  return sections;
}

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCut(text, max - TRUNCATED.length)) + TRUNCATED;
}

/** An index at most `at` that does not split a UTF-16 surrogate pair. */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable URL)";
  }
}
