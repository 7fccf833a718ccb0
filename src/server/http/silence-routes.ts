// HTTP API for what mutes notifications: silences (list, create, expire) under
// /api/v1/silences, and the configured maintenance windows with their current state.
import type { FastifyInstance, FastifyReply } from "fastify";
import { DateTime } from "luxon";
import { z } from "zod";
import { formatMatcher } from "../../alert/matchers.js";
import type { MaintenanceStage } from "../../alert/maintenance.js";
import { SilenceError, silenceState, type Silence, type SilenceStage } from "../../alert/silences.js";
import type { Clock } from "../../util/clock.js";
import { parseDuration } from "../../util/duration.js";
import { access } from "../auth/access-control.js";

/** A silence is a few matchers and a comment. */
const SILENCE_BODY_LIMIT = 64 * 1024;

/** What the routes need: narrower than the whole server, so they are tested on their own. */
export interface SilenceRouteDeps {
  silences: Pick<SilenceStage, "add" | "expire" | "list">;
  maintenance: Pick<MaintenanceStage, "status">;
  clock: Clock;
}

/** Milliseconds since the epoch, or an ISO-8601 time (UTC unless it has an offset). */
const time = z.unknown().transform((value, ctx) => {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  const parsed = typeof value === "string" ? DateTime.fromISO(value, { zone: "utc" }) : null;
  if (parsed?.isValid) return parsed.toMillis();
  ctx.addIssue({ code: "custom", message: `expected an ISO-8601 time such as "2025-06-01T22:00:00Z" or milliseconds, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const durationText = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "2h" or "30m", got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const silenceBody = z
  .strictObject({
    matchers: z.array(z.string(), { error: 'expected a list of matchers such as ["service=\\"api\\""]' }),
    startsAt: time.optional(),
    endsAt: time.optional(),
    duration: durationText.optional(),
    createdBy: z.string({ error: "expected the author's name" }),
    comment: z.string().default(""),
  })
  .refine((b) => (b.endsAt === undefined) !== (b.duration === undefined), {
    message: 'expected exactly one of endsAt (a time) or duration (such as "2h")',
    path: ["endsAt"],
  });

const silencesQuery = z.object({
  /** Comma-separated states; default: all. */
  state: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "all") return undefined;
      const states = text.split(",");
      const bad = states.find((s) => s !== "active" && s !== "pending" && s !== "expired");
      if (bad !== undefined) {
        ctx.addIssue({ code: "custom", message: `unknown state "${bad}": expected active, pending, expired or all` });
        return z.NEVER;
      }
      return states as ("active" | "pending" | "expired")[];
    }),
});

/** "matchers.0" → "matchers[0]", so the path reads as it does in the request. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

function badRequest(reply: FastifyReply, what: string, error: z.ZodError) {
  const detail = error.issues.map((i) => `${fieldPath(i.path) || "body"}: ${i.message}`).join("; ");
  return reply.code(400).send({ error: `invalid ${what}: ${detail}` });
}

/** The silence with its state at `now` and each matcher also as text (`service="api"`). */
function silenceView(silence: Silence, now: number) {
  return { ...silence, state: silenceState(silence, now), matchers: silence.matchers.map((m) => ({ ...m, text: formatMatcher(m) })) };
}

export function registerSilenceRoutes(http: FastifyInstance, deps: SilenceRouteDeps): void {
  http.get("/api/v1/silences", access("viewer"), async (req, reply) => {
    const q = silencesQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, "query", q.error);
    return { silences: deps.silences.list(q.data.state ? { state: q.data.state } : {}).map((silence) => silenceView(silence, deps.clock.now())) };
  });

  http.post("/api/v1/silences", { ...access("operator"), bodyLimit: SILENCE_BODY_LIMIT }, async (req, reply) => {
    const body = silenceBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, "silence", body.error);
    const { matchers, startsAt, endsAt, duration, createdBy, comment } = body.data;
    const start = startsAt ?? deps.clock.now();
    try {
      const silence = await deps.silences.add({ matchers, startsAt: start, endsAt: endsAt ?? start + duration!, createdBy, comment });
      return reply.code(201).send({ silence: silenceView(silence, deps.clock.now()) });
    } catch (err) {
      if (err instanceof SilenceError) return reply.code(400).send({ error: `invalid silence: ${err.message}` });
      throw err;
    }
  });

  http.delete("/api/v1/silences/:id", access("operator"), async (req, reply) => {
    const text = (req.params as { id: string }).id;
    const id = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(id)) return reply.code(400).send({ error: `invalid silence id "${text}": expected a number` });
    try {
      const { silence, alreadyExpired } = await deps.silences.expire(id);
      return { silence: silenceView(silence, deps.clock.now()), alreadyExpired };
    } catch (err) {
      if (err instanceof SilenceError && err.reason === "not-found") return reply.code(404).send({ error: err.message });
      throw err;
    }
  });

  http.get("/api/v1/maintenance", access("viewer"), async () => ({ windows: deps.maintenance.status(deps.clock.now()) }));
}
