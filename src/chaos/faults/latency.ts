// latency: the service's proxy (`services[].proxy`) delays every chunk both ways by
// `delay` ± `jitter`; dependents that connect through the proxy see a slow service.
import { durationOption, onlyKnownOptions } from "../fault-options.js";
import type { Fault } from "./fault.js";
import { serviceProxy } from "./service-proxy.js";

export const latencyFault: Fault<{ delay: number; jitter: number }> = {
  kind: "latency",
  summary: "the service's TCP proxy adds delay",
  targets: ["service"],
  options: ["delay", "jitter"],
  parse(raw) {
    onlyKnownOptions("latency", raw, ["delay", "jitter"]);
    return { delay: durationOption(raw, "delay", 500), jitter: durationOption(raw, "jitter", 0) };
  },
  async inject(ctx, target, { delay, jitter }) {
    const proxy = serviceProxy(ctx, target, "latency");
    proxy.setMode({ kind: "delay", delayMs: delay, jitterMs: jitter });
    return {
      record: { delayMs: delay, jitterMs: jitter },
      revert: async () => {
        proxy.setMode({ kind: "pass" });
        return `the proxy of ${target.name} passes traffic unchanged again`;
      },
    };
  },
};
