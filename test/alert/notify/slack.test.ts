import { test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryError } from "../../../src/alert/notify/notifier.js";
import { SLACK_MAX_BLOCKS, SLACK_MAX_TEXT, SlackNotifier, type SlackConfig } from "../../../src/alert/notify/slack.js";
import { WebhookReceiver } from "../webhook-receiver.js";
import { sampleNotification, type SampleAlert } from "./sample-notification.js";

async function slackAt(t: { after(fn: () => Promise<void>): void }, config: Partial<SlackConfig> = {}) {
  const receiver = await WebhookReceiver.start();
  t.after(() => receiver.close());
  // The path stands for Slack's secret token.
  const url = receiver.url.replace("/hook", "/services/T000/B000/s3cr3tT0ken");
  const notifier = new SlackNotifier("team-chat", { url, timeout: 5000, maxAttempts: 3, ...config });
  return { receiver, notifier };
}

test("a firing notification arrives as text plus blocks: header, a section per alert, context link", async (t) => {
  const { receiver, notifier } = await slackAt(t, { channel: "#alerts" });
  await notifier.send(sampleNotification("firing", [{ node: "node-a" }, { node: "node-b", labels: { service: "api" } }]));
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0]!.path, "/services/T000/B000/s3cr3tT0ken");
  assert.equal(receiver.requests[0]!.headers["content-type"], "application/json");
  const message = receiver.bodies()[0];
  assert.deepEqual(message, {
    text: ":red_circle: [FIRING:2] HighCpu (critical)",
    blocks: [
      { type: "header", text: { type: "plain_text", text: ":red_circle: [FIRING:2] HighCpu (critical)", emoji: true } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text:
            ":red_circle: *<http://vigil.example:7070/api/v1/alerts?fingerprint=0000000000000007|CPU above 90% on node-a>*\n" +
            "node_cpu_usage_ratio is 0.97\n`node=node-a` `severity=critical`",
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text:
            ":red_circle: *<http://vigil.example:7070/api/v1/alerts?fingerprint=0001000000000007|CPU above 90% on node-b>*\n" +
            "node_cpu_usage_ratio is 0.97\n`node=node-b` `service=api` `severity=critical`",
        },
      },
      { type: "context", elements: [{ type: "mrkdwn", text: "<http://vigil.example:7070|Vigil> · receiver team-chat" }] },
    ],
    channel: "#alerts",
  });
});

test("a resolved notification is green, and text from alerts is escaped for Slack's mrkdwn", async (t) => {
  const { receiver, notifier } = await slackAt(t);
  await notifier.send(sampleNotification("resolved", [{ annotations: { summary: "p99 > 2s & <rising>" } }]));
  const message = receiver.bodies()[0];
  assert.equal(message.channel, undefined, "no channel configured: the webhook's own");
  assert.match(message.text, /^:large_green_circle: \[RESOLVED\] HighCpu/);
  assert.equal(message.blocks[1].text.text.split("\n")[0], ":large_green_circle: *<http://vigil.example:7070/api/v1/alerts?fingerprint=0000000000000007|p99 &gt; 2s &amp; &lt;rising&gt;>*");
});

test("60 alerts fit Slack's 50-block limit: 47 alert sections and a note on the 13 left out", async (t) => {
  const { receiver, notifier } = await slackAt(t);
  const alerts: SampleAlert[] = Array.from({ length: 60 }, (_, i) => ({ node: `node-${i}` }));
  await notifier.send(sampleNotification("firing", alerts));
  const { blocks } = receiver.bodies()[0];
  assert.equal(blocks.length, SLACK_MAX_BLOCKS);
  assert.equal(blocks[0].type, "header");
  assert.equal(blocks[49].type, "context");
  assert.match(blocks[47].text.text, /node-46/);
  assert.equal(blocks[48].text.text, "…and 13 more alerts not shown (Slack allows 50 blocks per message)");
});

test("text fields longer than Slack allows are cut with a note; a long custom text is split over sections", async (t) => {
  const { receiver, notifier } = await slackAt(t, { title: "{{commonAnnotations.description}}" });
  const description = "x".repeat(5000);
  await notifier.send(sampleNotification("firing", [{ annotations: { summary: "big", description } }]));
  const { blocks, text } = receiver.bodies()[0];
  assert.equal(blocks[0].text.text.length, 150, "a header holds 150 characters");
  assert.match(blocks[0].text.text, /x… \(truncated\)$/);
  assert.equal(text.length, SLACK_MAX_TEXT);
  assert.equal(blocks[1].text.text.length, SLACK_MAX_TEXT);
  assert.match(blocks[1].text.text, /x… \(truncated\)$/);

  const custom = await slackAt(t, { text: "{{#each alerts}}{{annotations.description}}\n{{/each}}" });
  await custom.notifier.send(sampleNotification("firing", [{ annotations: { description: "a".repeat(2500) } }, { annotations: { description: "b".repeat(2500) } }, { annotations: { description: "c".repeat(2500) } }]));
  const sections = custom.receiver.bodies()[0].blocks.filter((b: { type: string }) => b.type === "section");
  assert.deepEqual(sections.map((s: { text: { text: string } }) => s.text.text), ["a".repeat(2500), "b".repeat(2500), "c".repeat(2500)], "cut at line ends");
});

test("Slack refusing the message is an error naming the host and Slack's reason, never the token path", async (t) => {
  const { receiver, notifier } = await slackAt(t);
  receiver.script.push(404, 400);
  receiver.errorBody = "no_service";
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: unknown) => {
    assert.ok(err instanceof DeliveryError);
    assert.equal(err.message, `HTTP 404 from Slack webhook at ${new URL(receiver.url).host}: no_service`);
    assert.equal(err.retryable, true);
    return true;
  });
  receiver.errorBody = "invalid_blocks";
  await assert.rejects(notifier.send(sampleNotification("firing")), (err: unknown) => {
    assert.ok(err instanceof DeliveryError);
    assert.ok(!err.message.includes("s3cr3tT0ken"), err.message);
    assert.equal(err.retryable, false, "Slack would refuse the same blocks again");
    return true;
  });
});

test("a title template that fails to render fails the send without a request", async (t) => {
  const { receiver, notifier } = await slackAt(t, { title: "{{join status}}" });
  await assert.rejects(notifier.send(sampleNotification("firing")), /notify\.receivers\.team-chat\.slack\.title: template failed to render/);
  assert.equal(receiver.requests.length, 0);
});
