// drop: the service's proxy (`services[].proxy`) resets a share `ratio` of new connections
// (all: also cuts the open ones); dependents that connect through it lose the service.
import { onlyKnownOptions, ratioOption } from "../fault-options.js";
import type { Fault } from "./fault.js";
import { serviceProxy } from "./service-proxy.js";

export const dropFault: Fault<{ ratio: number }> = {
  kind: "drop",
  summary: "the service's TCP proxy drops connections",
  targets: ["service"],
  options: ["ratio"],
  parse(raw) {
    onlyKnownOptions("drop", raw, ["ratio"]);
    return { ratio: ratioOption(raw, "ratio", 1) };
  },
  async inject(ctx, target, { ratio }) {
    const proxy = serviceProxy(ctx, target, "drop");
    const before = proxy.dropped;
    proxy.setMode({ kind: "drop", ratio });
    return {
      record: { ratio },
      revert: async () => {
        proxy.setMode({ kind: "pass" });
        return `the proxy of ${target.name} passes traffic again (${proxy.dropped - before} connections dropped)`;
      },
    };
  },
};
