// Fuzzing the JSON bodies of the token, login and Alertmanager routes — see body-fuzzer.ts.
import { BODY_ROUTES, fuzzBodies } from "./body-fuzzer.js";

fuzzBodies(BODY_ROUTES.filter((r) => r.url.startsWith("/api/v1/tokens") || r.url.startsWith("/api/v1/session") || r.url.startsWith("/api/v2/")));
