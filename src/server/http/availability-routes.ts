// GET /api/v1/availability: uptime, incidents, MTBF / MTTD / MTTR, A and SLO error budgets
// per service and node (src/availability/), over the standard windows or one asked for.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { availabilityReport } from "../../availability/availability-report.js";
import { STANDARD_WINDOWS, parseWindow, type ReportWindow } from "../../availability/windows.js";
import type { VigilConfig } from "../../config/schema.js";
import type { Storage } from "../../storage/storage.js";
import type { Clock } from "../../util/clock.js";
import { access } from "../auth/access-control.js";

/** What the route needs: narrower than the whole server. */
export interface AvailabilityRouteDeps {
  storage: Storage;
  config: VigilConfig;
  clock: Clock;
  /** The node of services whose config names none. */
  localNode: string;
}

/** "24h" → one window; absent → the standard 1h, 24h, 7d, 30d. */
export const windowParameter = z
  .string()
  .optional()
  .transform((text, ctx): readonly ReportWindow[] => {
    if (text === undefined) return STANDARD_WINDOWS;
    const parsed = parseWindow(text);
    if ("error" in parsed) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return [parsed];
  });

const availabilityQuery = z.strictObject({
  window: windowParameter,
  service: z.string().min(1).optional(),
  node: z.string().min(1).optional(),
});

export function queryError(error: z.ZodError): { error: string } {
  const detail = error.issues
    .map((i) => (i.code === "unrecognized_keys" ? `unknown parameter ${i.keys.map((k) => `"${k}"`).join(", ")}` : `${i.path.join(".") || "query"}: ${i.message}`))
    .join("; ");
  return { error: `invalid query: ${detail}` };
}

export function registerAvailabilityRoutes(http: FastifyInstance, deps: AvailabilityRouteDeps): void {
  http.get("/api/v1/availability", access("viewer"), async (req, reply) => {
    const q = availabilityQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(queryError(q.error));
    const { window, service, node } = q.data;
    if (service !== undefined && !deps.config.services.some((s) => s.name === service)) {
      return reply.code(404).send({ error: `no service "${service}" in the config` });
    }
    if (node !== undefined) {
      const known = new Set([...(await deps.storage.listNodes()).map((n) => n.name), ...deps.config.services.map((s) => s.node ?? deps.localNode)]);
      if (!known.has(node)) return reply.code(404).send({ error: `no node "${node}": none has connected and no service names it` });
    }
    return availabilityReport({
      storage: deps.storage,
      config: deps.config,
      localNode: deps.localNode,
      now: deps.clock.now(),
      windows: window,
      ...(service !== undefined && { service }),
      ...(node !== undefined && { node }),
    });
  });
}
