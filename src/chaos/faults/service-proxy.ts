// The proxy in front of a fault's target service, or a refusal saying how to declare one.
import type { TcpProxy } from "../proxy/tcp-proxy.js";
import type { FaultContext, FaultTarget } from "./fault.js";

export function serviceProxy(ctx: FaultContext, target: FaultTarget, fault: string): TcpProxy {
  if (target.kind !== "service") throw new Error(`fault "${fault}" needs a service as target, got node "${target.name}"`);
  const proxy = ctx.proxies.get(target.name);
  if (!proxy) {
    throw new Error(`service "${target.name}" has no proxy on this agent: declare services[].proxy { listen, upstream } and point its dependents at listen`);
  }
  if (proxy.currentMode.kind !== "pass") throw new Error(`the proxy of "${target.name}" already has a fault (${proxy.currentMode.kind})`);
  return proxy;
}
