// HTTP API of game-day reports: `vigil gameday` posts its report when it ends (journalled
// as `gameday.completed`), and the dashboard or anyone lists and reads them.
import type { FastifyInstance } from "fastify";
import { access } from "../auth/access-control.js";
import { z } from "zod";
import type { Journal } from "../../storage/journal.js";

const reportBody = z.object({
  report: z.object({
    scenario: z.string().min(1),
    startedAt: z.number(),
    endedAt: z.number(),
    passed: z.boolean(),
    results: z.array(z.record(z.string(), z.unknown())),
    totals: z.record(z.string(), z.unknown()),
  }).passthrough(),
  markdown: z.string().max(1_000_000).default(""),
});

export function registerGamedayRoutes(http: FastifyInstance, deps: { journal: Journal }): void {
  http.post("/api/v1/gamedays", { ...access("operator"), bodyLimit: 4 * 1024 * 1024 }, async (req, reply) => {
    const body = reportBody.safeParse(req.body ?? {});
    if (!body.success) {
      const detail = body.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      return reply.code(400).send({ error: `invalid game-day report: ${detail}` });
    }
    const event = await deps.journal.record("gameday.completed", { data: { report: body.data.report, markdown: body.data.markdown } });
    return reply.code(201).send({ id: event.id });
  });

  http.get("/api/v1/gamedays", access("viewer"), async () => {
    const events = await deps.journal.list({ kinds: ["gameday.completed"], order: "desc", limit: 100 });
    return {
      gamedays: events.map((e) => {
        const r = e.data.report as { scenario: string; startedAt: number; endedAt: number; passed: boolean; totals: unknown };
        return { id: e.id, scenario: r.scenario, startedAt: r.startedAt, endedAt: r.endedAt, passed: r.passed, totals: r.totals };
      }),
    };
  });

  http.get("/api/v1/gamedays/:id", access("viewer"), async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id <= 0) return reply.code(400).send({ error: `invalid game-day id "${(req.params as { id: string }).id}"` });
    const [event] = await deps.journal.list({ kinds: ["gameday.completed"], afterId: id - 1, limit: 1 });
    if (!event || event.id !== id) return reply.code(404).send({ error: `no game-day report ${id}` });
    return { id, report: event.data.report, markdown: event.data.markdown };
  });
}
