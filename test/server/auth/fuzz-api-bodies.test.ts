// Fuzzing the JSON bodies of the operational routes (silences, approvals, unfencing) — see body-fuzzer.ts.
import { BODY_ROUTES, fuzzBodies } from "./body-fuzzer.js";

fuzzBodies(BODY_ROUTES.filter((r) => ["/api/v1/silences", "/api/v1/incidents/1/approve", "/api/v1/services/api/unfence"].includes(r.url)));
