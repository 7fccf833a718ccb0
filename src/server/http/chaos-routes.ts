// HTTP API of chaos: inject a fault (POST /api/v1/chaos), list injections (GET), stop one
// (DELETE /api/v1/chaos/:id). Faults are carried out by the agent of the target's node.
// Injecting and stopping need the operator role; reading, viewer.
import type { FastifyInstance } from "fastify";
import { ChaosController, ChaosRefusal } from "../../chaos/chaos-controller.js";
import { ChaosSpecError } from "../../chaos/chaos-spec-error.js";
import { faults } from "../../chaos/faults/index.js";
import { access } from "../auth/access-control.js";

export function registerChaosRoutes(http: FastifyInstance, chaos: ChaosController): void {
  http.post("/api/v1/chaos", access("operator"), async (req, reply) => {
    try {
      const injection = await chaos.start(req.body ?? {});
      return reply.code(injection.state === "pending" ? 202 : 201).send({ injection });
    } catch (err) {
      if (err instanceof ChaosSpecError) return reply.code(400).send({ error: `invalid fault request: ${err.message}` });
      if (err instanceof ChaosRefusal) return reply.code(err.status).send({ error: err.message, ...(err.injection && { injection: err.injection }) });
      throw err;
    }
  });

  http.get("/api/v1/chaos", access("viewer"), async (req, reply) => {
    const state = (req.query as { state?: string }).state;
    if (state !== undefined && state !== "active" && state !== "all") return reply.code(400).send({ error: `invalid state "${state}": expected active or all` });
    return { injections: chaos.list({ active: state === "active" }) };
  });

  http.get("/api/v1/chaos/faults", access("viewer"), async () => ({
    faults: Object.values(faults).map((f) => ({ kind: f.kind, summary: f.summary, targets: f.targets, options: f.options })),
  }));

  http.get("/api/v1/chaos/:id", access("viewer"), async (req, reply) => {
    const injection = chaos.get((req.params as { id: string }).id);
    if (!injection) return reply.code(404).send({ error: `no fault injection "${(req.params as { id: string }).id}"` });
    return { injection };
  });

  http.delete("/api/v1/chaos/:id", access("operator"), async (req, reply) => {
    try {
      return { injection: await chaos.stopInjection((req.params as { id: string }).id) };
    } catch (err) {
      if (err instanceof ChaosRefusal) return reply.code(err.status).send({ error: err.message, ...(err.injection && { injection: err.injection }) });
      throw err;
    }
  });
}
