// GET /api/v1/advice: what the advisors (src/advice/) make of the recent past — recurring
// incidents, single points of failure, resources running out, flapping checks, failing playbooks.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ADVISORS } from "../../advice/advisors/index.js";
import { advise } from "../../advice/advice.js";
import { readAdviceFacts } from "../../advice/facts-reader.js";
import { parseWindow, type ReportWindow } from "../../availability/windows.js";
import type { AlertRecord } from "../../storage/storage.js";
import { queryError, type AvailabilityRouteDeps } from "./availability-routes.js";
import { access } from "../auth/access-control.js";

export const DEFAULT_ADVICE_WINDOW: ReportWindow = { label: "7d", ms: 7 * 86_400_000 };

export interface AdviceRouteDeps extends AvailabilityRouteDeps {
  activeAlerts: () => AlertRecord[];
}

const adviceQuery = z.strictObject({
  window: z
    .string()
    .optional()
    .transform((text, ctx): ReportWindow => {
      if (text === undefined) return DEFAULT_ADVICE_WINDOW;
      const parsed = parseWindow(text);
      if ("error" in parsed) {
        ctx.addIssue({ code: "custom", message: parsed.error });
        return z.NEVER;
      }
      return parsed;
    }),
});

export function registerAdviceRoutes(http: FastifyInstance, deps: AdviceRouteDeps): void {
  http.get("/api/v1/advice", access("viewer"), async (req, reply) => {
    const q = adviceQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(queryError(q.error));
    const now = deps.clock.now();
    const facts = await readAdviceFacts({
      storage: deps.storage,
      config: deps.config,
      localNode: deps.localNode,
      activeAlerts: deps.activeAlerts(),
      now,
      window: q.data.window,
    });
    return { generatedAt: now, window: q.data.window.label, advice: advise(ADVISORS, facts) };
  });
}
