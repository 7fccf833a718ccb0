// One replica's membership loop alone in a process, for the failover test (leader-failover.test.ts):
// `node membership-process.js URL NAME` runs ReplicaMembership with the default lease and prints
// JSON lines on stdout: {"leading": term|null} on every leadership change, {"replicas": [...]}
// when the list changes, and {"check": term|null} every 100 ms — what leaderTerm() answers, as
// the server would ask before once-only work. SIGTERM stops it cleanly (release, leave).
import { openReplicaStore } from "../../src/replicas/postgres-replica-store.js";
import { ReplicaMembership } from "../../src/replicas/replica-membership.js";
import { DEFAULT_LEADER_LEASE } from "../../src/replicas/leader-lease.js";

const [url, name] = process.argv.slice(2);
if (!url || !name) {
  console.error("usage: membership-process.js POSTGRES_URL REPLICA_NAME");
  process.exit(2);
}
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const store = openReplicaStore(url, { timeoutMs: DEFAULT_LEADER_LEASE.retryTimeoutMs });
const membership = new ReplicaMembership({ store, name, url: `http://${name}.example:7070` });
membership.onLeadershipChange((term) => print({ leading: term }));
membership.onReplicasChange((list) => print({ replicas: list.map((r) => r.name) }));
const checks = setInterval(() => print({ check: membership.leaderTerm() }), 100);
membership.start();
process.once("SIGTERM", () => {
  clearInterval(checks);
  void membership.stop().finally(() => store.close().finally(() => process.exit(0)));
});
