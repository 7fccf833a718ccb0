// Fuzzing the JSON body of the replica-to-replica series call (with the cluster key, on a
// server leading a cluster of one) — see body-fuzzer.ts.
import { BODY_ROUTES, fuzzBodies } from "./body-fuzzer.js";

fuzzBodies(BODY_ROUTES.filter((r) => r.replica === true));
