// Fuzzing the JSON bodies of the chaos and game-day routes — see body-fuzzer.ts. No agent is
// connected, so a well-formed injection is refused (409) with its reason, never run.
import { BODY_ROUTES, fuzzBodies } from "./body-fuzzer.js";

fuzzBodies(BODY_ROUTES.filter((r) => r.url === "/api/v1/chaos" || r.url === "/api/v1/gamedays"));
