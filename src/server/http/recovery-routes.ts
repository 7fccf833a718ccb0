// HTTP API for an operator's hand in recovery: approving the playbook step that waits for
// approval (`approve: true`) in an incident's runs, and unfencing a service's old instance
// after a failover so that it may run on that node again.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { RecoveryOrchestrator } from "../../recover/orchestrator.js";
import type { Placements } from "../../recover/placements.js";
import type { Storage } from "../../storage/storage.js";
import { access } from "../auth/access-control.js";
import { SMALL_BODY_LIMIT } from "./token-routes.js";

/** What the routes need: narrower than the whole server. */
export interface RecoveryRouteDeps {
  storage: Pick<Storage, "getIncident">;
  recovery: Pick<RecoveryOrchestrator, "approve" | "waitingForApproval">;
  placements: Pick<Placements, "services" | "fencedOn" | "nodeOf">;
  /** Lets the fenced instance run again on `node` (every node when omitted); false when it was not fenced. */
  unfence(service: string, node?: string): Promise<boolean>;
}

const name = (what: string) =>
  z.string({ error: `expected ${what} as a string` }).trim().min(1, { error: `expected ${what}, got an empty string` }).max(200);

const approveBody = z.strictObject({ by: name("the approver's name").optional() });
const unfenceBody = z.strictObject({ node: name("a node name").optional() });

function badRequest(reply: FastifyReply, what: string, error: z.ZodError) {
  const detail = error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  return reply.code(400).send({ error: `invalid ${what}: ${detail}` });
}

export function registerRecoveryRoutes(http: FastifyInstance, deps: RecoveryRouteDeps): void {
  http.post("/api/v1/incidents/:id/approve", { ...access("operator"), bodyLimit: SMALL_BODY_LIMIT }, async (req, reply) => {
    const text = (req.params as { id: string }).id;
    const id = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0) {
      return reply.code(400).send({ error: `invalid incident id "${text}": expected a positive number` });
    }
    const body = approveBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, "approval", body.error);
    const incident = await deps.storage.getIncident(id);
    if (!incident) return reply.code(404).send({ error: `no incident ${id}` });
    // Without a name, the approver is the token that made the call ("api" when auth is off).
    const by = body.data.by ?? (req.actor && req.actor.via !== "none" ? req.actor.name : "api");
    if (!(await deps.recovery.approve(id, by))) {
      const why = incident.state === "resolved" || incident.state === "escalated" ? `incident ${id} is ${incident.state}: ` : "";
      return reply.code(409).send({ error: `${why}no step of incident ${id} is waiting for approval` });
    }
    return { approved: true, incident: id, by };
  });

  http.post("/api/v1/services/:name/unfence", { ...access("operator"), bodyLimit: SMALL_BODY_LIMIT }, async (req, reply) => {
    const service = (req.params as { name: string }).name;
    const body = unfenceBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, "unfence request", body.error);
    if (!deps.placements.services().includes(service)) return reply.code(404).send({ error: `no service "${service}" in the config` });
    const { node } = body.data;
    const before = deps.placements.fencedOn(service);
    if (!(await deps.unfence(service, node))) {
      const where = node === undefined ? "on any node" : `on ${node}`;
      const fenced = before.length > 0 ? ` (fenced on: ${before.join(", ")})` : "";
      return reply.code(409).send({ error: `service "${service}" is not fenced ${where}${fenced}` });
    }
    return {
      unfenced: true,
      service,
      nodes: node === undefined ? before : [node],
      fencedOn: deps.placements.fencedOn(service),
      node: deps.placements.nodeOf(service) ?? null,
    };
  });
}
