// The liveness state machine on a manual clock, input by input: heartbeats, ticks (φ and
// suspicion timeouts), closed connections, direct and indirect probe results, the freeze.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveFailureDetectorOptions } from "../../../src/detect/failure/failure-detector-options.js";
import {
  NodeLiveness,
  type LivenessOutput,
  type LivenessVerdict,
  type NodeLivenessHooks,
  type ProbeRequest,
} from "../../../src/detect/failure/node-liveness.js";
import { seededRandom } from "../../../src/detect/failure/seeded-random.js";
import { ManualClock } from "../../../src/util/clock.js";

const options = resolveFailureDetectorOptions(); // the defaults, heartbeat interval 500 ms

/** Agents heartbeating every 500 ms and the server ticking every 100 ms, on a manual clock. */
class Cluster {
  readonly clock = new ManualClock();
  readonly liveness: NodeLiveness;
  readonly verdicts: LivenessVerdict[] = [];
  readonly requests: { at: number; request: ProbeRequest }[] = [];
  readonly silent = new Set<string>();

  constructor(readonly nodes: string[], hooks: NodeLivenessHooks = {}, seed = 42) {
    this.liveness = new NodeLiveness(options, seededRandom(seed), hooks);
    this.clock.setInterval(() => {
      for (const n of nodes) if (!this.silent.has(n)) this.record(this.liveness.heartbeat(n, this.clock.now()));
    }, 500);
    this.clock.setInterval(() => this.record(this.liveness.tick(this.clock.now())), 100);
  }

  record(out: LivenessOutput): LivenessOutput {
    this.verdicts.push(...out.verdicts);
    for (const request of out.requests) this.requests.push({ at: this.clock.now(), request });
    return out;
  }

  /** Runs until `node` gets a new verdict of `state` (at most `withinMs`); returns it. */
  until(node: string, state: LivenessVerdict["state"], withinMs = 10_000): LivenessVerdict {
    const deadline = this.clock.now() + withinMs;
    const from = this.verdicts.length;
    while (this.clock.now() < deadline) {
      const found = this.verdicts.slice(from).find((v) => v.node === node && v.state === state);
      if (found) return found;
      this.clock.advance(10);
    }
    assert.fail(`${node} did not become ${state} within ${withinMs} ms; verdicts: ${JSON.stringify(this.verdicts.filter((v) => v.node === node))}`);
  }

  /** Silences `node` right after a heartbeat; returns the time of its last heartbeat. */
  silence(node: string): number {
    const last = this.liveness.status(node, this.clock.now())!.lastHeartbeatAt!;
    this.silent.add(node);
    return last;
  }

  requestsFor(node: string, since = 0): ProbeRequest[] {
    return this.requests.filter((r) => r.request.node === node && r.at >= since).map((r) => r.request);
  }

  /** Feeds an input at the current time and records its output. */
  input(f: (liveness: NodeLiveness, now: number) => LivenessOutput): LivenessOutput {
    return this.record(f(this.liveness, this.clock.now()));
  }
}

function warmCluster(nodes = ["a", "b", "c", "d", "e"], hooks: NodeLivenessHooks = {}, seed = 42): Cluster {
  const cluster = new Cluster(nodes, hooks, seed);
  cluster.clock.advance(30_000);
  cluster.verdicts.length = 0;
  cluster.requests.length = 0;
  return cluster;
}

test("the first heartbeat registers a node alive; later heartbeats say nothing", () => {
  const liveness = new NodeLiveness(options, seededRandom(1));
  const first = liveness.heartbeat("a", 1000);
  assert.equal(first.verdicts.length, 1);
  const { phi, ...verdict } = first.verdicts[0]!;
  assert.deepEqual(verdict, { node: "a", state: "alive", previous: null, since: 1000, reason: "first heartbeat", lastSeen: 1000 });
  assert.ok(phi < 1e-6, `φ right after a heartbeat is ≈ 0, got ${phi}`);
  assert.deepEqual(liveness.heartbeat("a", 1500), { verdicts: [], requests: [] });
});

test("a silent node becomes suspect at the first tick where φ ≥ 3, and is probed directly and through 3 alive peers", () => {
  const cluster = warmCluster();
  const last = cluster.silence("a");
  const suspectAfter = cluster.liveness.status("a", cluster.clock.now())!.suspectAfterMs;
  assert.ok(suspectAfter > 1000 && suspectAfter < 1200, `one lost heartbeat (1 s) must not be suspected: suspect after ${suspectAfter} ms`);
  const suspect = cluster.until("a", "suspect");
  assert.ok(suspect.since - last >= suspectAfter && suspect.since - 100 - last < suspectAfter, `suspected at +${suspect.since - last} ms`);
  assert.ok(suspect.phi >= 3, `φ ${suspect.phi}`);
  assert.match(suspect.reason, /^φ \d+\.\d ≥ 3 after \d+ ms without a heartbeat$/);
  const requests = cluster.requestsFor("a");
  assert.deepEqual(requests[0], { kind: "direct-probe", node: "a" });
  const indirect = requests[1];
  assert.equal(indirect?.kind, "indirect-probe");
  const via = indirect?.kind === "indirect-probe" ? indirect.via : [];
  assert.equal(via.length, 3);
  assert.equal(new Set(via).size, 3);
  for (const peer of via) assert.ok(["b", "c", "d", "e"].includes(peer), `peer ${peer}`);
  assert.deepEqual(cluster.verdicts.filter((v) => v.node !== "a"), [], "the others are untouched");
});

test("a heartbeat ends a suspicion", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  cluster.until("a", "suspect");
  cluster.silent.delete("a");
  const alive = cluster.until("a", "alive", 1000);
  assert.equal(alive.previous, "suspect");
  assert.match(alive.reason, /^heartbeat received after \d+ ms \(was suspect\)$/);
});

test("an answered direct probe ends a suspicion, and φ then runs from the answer", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  cluster.until("a", "suspect");
  const answeredAt = cluster.clock.now() + 3;
  cluster.clock.advance(3);
  const out = cluster.input((l, now) => l.directProbeResult("a", true, now));
  assert.equal(out.verdicts[0]?.state, "alive");
  assert.equal(out.verdicts[0]?.reason, "the node answers a direct probe (was suspect)");
  assert.equal(cluster.liveness.status("a", cluster.clock.now())!.lastSeen, answeredAt);
  // Still no heartbeats: suspected again one suspect-after later, counted from the answer.
  const again = cluster.until("a", "suspect");
  const suspectAfter = cluster.liveness.status("a", again.since)!.suspectAfterMs;
  assert.ok(again.since - answeredAt >= suspectAfter && again.since - answeredAt < suspectAfter + 100);
});

test("direct probe failed and all 3 peers confirm: dead at the first tick after the minimum timeout (400 ms)", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  const suspect = cluster.until("a", "suspect");
  const via = (cluster.requestsFor("a")[1] as { via: string[] }).via;
  cluster.clock.advance(300);
  cluster.input((l, now) => l.directProbeResult("a", false, now));
  for (const peer of via) cluster.input((l, now) => l.indirectProbeResult("a", peer, false, now));
  assert.equal(cluster.liveness.status("a", cluster.clock.now())!.state, "suspect", "not before the minimum");
  const dead = cluster.until("a", "dead");
  assert.equal(dead.since - suspect.since, 400);
  assert.equal(dead.previous, "suspect");
  assert.match(dead.reason, /the direct probe failed, 3 of 3 peers could not reach it either \(suspicion timeout 400 ms\)/);
});

test("with no answer from any peer the node is dead only after the maximum timeout (1500 ms)", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  const suspect = cluster.until("a", "suspect");
  const dead = cluster.until("a", "dead");
  assert.equal(dead.since - suspect.since, 1500);
  assert.match(dead.reason, /the direct probe did not answer, 0 of 3 peers could not reach it either \(suspicion timeout 1500 ms\)/);
});

test("a confirmation that shrinks the timeout below the time already spent concludes at once, not at the next tick", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  const suspect = cluster.until("a", "suspect");
  const via = (cluster.requestsFor("a")[1] as { via: string[] }).via;
  cluster.clock.advance(700 - (cluster.clock.now() - suspect.since) - 5);
  cluster.input((l, now) => l.indirectProbeResult("a", via[0]!, false, now));
  // 1 confirmation: 950 ms; 2 confirmations: 628 ms < 695 ms spent.
  const out = cluster.input((l, now) => l.indirectProbeResult("a", via[1]!, false, now));
  assert.equal(out.verdicts[0]?.state, "dead");
  assert.equal(out.verdicts[0]?.since, suspect.since + 695);
});

test("a failed direct probe is retried at the next tick while the node is suspect", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  const suspect = cluster.until("a", "suspect");
  cluster.clock.advance(50);
  cluster.input((l, now) => l.directProbeResult("a", false, now));
  cluster.clock.advance(60);
  const directs = cluster.requestsFor("a", suspect.since).filter((r) => r.kind === "direct-probe");
  assert.equal(directs.length, 2, "the first probe and one retry");
  cluster.clock.advance(200);
  assert.equal(cluster.requestsFor("a", suspect.since).filter((r) => r.kind === "direct-probe").length, 2, "no new probe while one is outstanding");
});

test("a closed connection makes the node suspect at once; an answered direct probe makes it a reconnect, not a death", () => {
  const cluster = warmCluster();
  const closed = cluster.input((l, now) => l.connectionClosed("a", now));
  assert.equal(closed.verdicts[0]?.state, "suspect");
  assert.equal(closed.verdicts[0]?.reason, "agent connection closed");
  assert.deepEqual(closed.requests[0], { kind: "direct-probe", node: "a" });
  cluster.clock.advance(2);
  const answered = cluster.input((l, now) => l.directProbeResult("a", true, now));
  assert.equal(answered.verdicts[0]?.state, "alive");
  assert.equal(answered.verdicts[0]?.reason, "agent connection closed but the node answers a direct probe: a reconnect, not a death");
});

test("while the connection stays closed the answering node is probed again every tick: a dying agent is dead one tick later", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  cluster.input((l, now) => l.connectionClosed("a", now));
  // The first probe reached the listener of a process that was still dying.
  cluster.input((l, now) => l.directProbeResult("a", true, now));
  const answeredAt = cluster.clock.now();
  cluster.clock.advance(100); // the next tick asks again
  const again = cluster.requestsFor("a", answeredAt + 1);
  assert.deepEqual(again, [{ kind: "direct-probe", node: "a" }]);
  const dead = cluster.input((l, now) => l.directProbeResult("a", false, now));
  assert.equal(dead.verdicts[0]?.state, "dead");
  assert.equal(dead.verdicts[0]?.reason, "agent connection closed and the direct probe failed");
  assert.ok(cluster.clock.now() - answeredAt <= 100);

  // An agent that reconnects (a heartbeat) is not probed any more.
  const b = warmCluster();
  b.input((l, now) => l.connectionClosed("b", now));
  b.input((l, now) => l.directProbeResult("b", true, now));
  b.input((l, now) => l.heartbeat("b", now));
  const since = b.clock.now();
  b.clock.advance(1_000);
  assert.deepEqual(b.requestsFor("b", since + 1), []);
});

test("a closed connection and a failed direct probe are strong evidence: dead at once, in either order", () => {
  const cluster = warmCluster();
  cluster.silent.add("a");
  cluster.input((l, now) => l.connectionClosed("a", now));
  cluster.clock.advance(1);
  const out = cluster.input((l, now) => l.directProbeResult("a", false, now));
  assert.equal(out.verdicts[0]?.state, "dead");
  assert.equal(out.verdicts[0]?.reason, "agent connection closed and the direct probe failed");

  cluster.silence("b");
  cluster.until("b", "suspect");
  cluster.input((l, now) => l.directProbeResult("b", false, now));
  const closed = cluster.input((l, now) => l.connectionClosed("b", now));
  assert.equal(closed.verdicts[0]?.state, "dead");
});

test("a peer reaches the node while the server cannot: unreachable, rechecked every 5 s, dead once nobody reaches it, alive on a heartbeat", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  cluster.until("a", "suspect");
  const via = (cluster.requestsFor("a")[1] as { via: string[] }).via;
  cluster.input((l, now) => l.indirectProbeResult("a", via[0]!, true, now));
  cluster.clock.advance(300);
  cluster.input((l, now) => l.directProbeResult("a", false, now));
  const unreachable = cluster.until("a", "unreachable");
  assert.match(unreachable.reason, new RegExp(`^the server cannot reach it but ${via[0]} can \\(`));
  // The recheck: a new round after 5 s.
  const before = cluster.requests.length;
  cluster.clock.advance(4_900);
  assert.deepEqual(cluster.requests.slice(before).filter((r) => r.request.node === "a"), [], "no recheck before 5 s");
  cluster.clock.advance(200);
  const recheck = cluster.requestsFor("a", unreachable.since + 5_000);
  assert.deepEqual(recheck[0], { kind: "direct-probe", node: "a" });
  const peers = (recheck[1] as { via: string[] }).via;
  cluster.input((l, now) => l.directProbeResult("a", false, now));
  for (const p of peers) cluster.input((l, now) => l.indirectProbeResult("a", p, false, now));
  const dead = cluster.until("a", "dead");
  assert.equal(dead.previous, "unreachable");
  cluster.silent.delete("a");
  assert.equal(cluster.until("a", "alive").previous, "dead");
});

test("answers nobody asked for, repeated answers and late failures of an old probe are ignored", () => {
  const cluster = warmCluster();
  cluster.silence("a");
  cluster.until("a", "suspect");
  const via = (cluster.requestsFor("a")[1] as { via: string[] }).via;
  const stranger = ["b", "c", "d", "e"].find((n) => !via.includes(n))!;
  cluster.input((l, now) => l.indirectProbeResult("a", stranger, false, now));
  cluster.input((l, now) => l.indirectProbeResult("a", via[0]!, false, now));
  cluster.input((l, now) => l.indirectProbeResult("a", via[0]!, false, now));
  assert.equal(cluster.liveness.status("a", cluster.clock.now())!.probing!.confirmations, 1);
  // A heartbeat ends the round; a failure reported afterwards belongs to no round.
  cluster.input((l, now) => l.heartbeat("a", now));
  const late = cluster.input((l, now) => l.directProbeResult("a", false, now));
  assert.deepEqual(late.verdicts, []);
  assert.equal(cluster.liveness.status("a", cluster.clock.now())!.state, "alive");
});

test("peers are alive nodes other than the suspect, at most k, eligible, and the same for the same seed", () => {
  const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
  const choose = (seed: number, hooks: NodeLivenessHooks = {}) => {
    const cluster = warmCluster(names, hooks, seed);
    cluster.silence("n0");
    cluster.silence("n1");
    cluster.until("n1", "suspect");
    const request = cluster.requestsFor("n1").find((r) => r.kind === "indirect-probe");
    return request?.kind === "indirect-probe" ? request.via : [];
  };
  const via = choose(7);
  assert.equal(via.length, 3);
  assert.ok(!via.includes("n0") && !via.includes("n1"), `no suspect as a peer: ${via}`);
  assert.deepEqual(choose(7), via, "deterministic for a seed");
  const varied = new Set([1, 2, 3, 4, 5, 6].map((seed) => choose(seed).join(",")));
  assert.ok(varied.size > 1, "different seeds spread the load");
  const eligible = choose(7, { isPeerEligible: (n) => n === "n5" || n === "n9" });
  assert.deepEqual([...eligible].sort(), ["n5", "n9"]);
});

test("with nobody to ask, the suspicion lasts the minimum timeout", () => {
  const cluster = warmCluster(["solo"]);
  cluster.silence("solo");
  const suspect = cluster.until("solo", "suspect");
  assert.deepEqual(cluster.requestsFor("solo"), [{ kind: "direct-probe", node: "solo" }]);
  const dead = cluster.until("solo", "dead");
  assert.equal(dead.since - suspect.since, 400);
  assert.match(dead.reason, /no peer to ask/);
});

test("while frozen a node that would be dead is held back as unreachable; after the freeze it is probed again and dead", () => {
  let frozen = true;
  const cluster = warmCluster(["a", "b", "c", "d", "e"], { isFrozen: () => frozen });
  cluster.silence("a");
  cluster.until("a", "suspect");
  const held = cluster.until("a", "unreachable");
  assert.match(held.reason, /^held back from dead while the control plane looks isolated \(/);
  assert.equal(cluster.liveness.status("a", cluster.clock.now())!.heldBack, true);
  frozen = false;
  cluster.liveness.recheckHeldBack(cluster.clock.now());
  const thawedAt = cluster.clock.now();
  cluster.clock.advance(100);
  assert.equal(cluster.requestsFor("a", thawedAt)[0]?.kind, "direct-probe", "probed at the next tick, not 5 s later");
  const dead = cluster.until("a", "dead");
  assert.equal(dead.previous, "unreachable");
});

test("inputs about unknown nodes are ignored; a forgotten node is neither judged nor asked to probe", () => {
  const cluster = warmCluster(["a", "b", "c"]);
  const nothing = { verdicts: [], requests: [] };
  assert.deepEqual(cluster.input((l, now) => l.connectionClosed("ghost", now)), nothing);
  assert.deepEqual(cluster.input((l, now) => l.directProbeResult("ghost", false, now)), nothing);
  assert.deepEqual(cluster.input((l, now) => l.indirectProbeResult("ghost", "a", false, now)), nothing);
  cluster.silent.add("c");
  cluster.liveness.forget("c");
  assert.equal(cluster.liveness.has("c"), false);
  cluster.silence("a");
  cluster.until("a", "suspect");
  const request = cluster.requestsFor("a").find((r) => r.kind === "indirect-probe");
  assert.deepEqual(request, { kind: "indirect-probe", node: "a", via: ["b"] });
  assert.deepEqual(cluster.verdicts.filter((v) => v.node === "c"), []);
});

test("status shows the state, φ, the node's rhythm and the running probe round", () => {
  const cluster = warmCluster();
  const alive = cluster.liveness.status("a", cluster.clock.now())!;
  assert.equal(alive.state, "alive");
  assert.ok(Math.abs(alive.meanIntervalMs - 500) < 5);
  assert.equal(alive.probing, null);
  cluster.silence("a");
  cluster.until("a", "suspect");
  cluster.input((l, now) => l.directProbeResult("a", false, now));
  const s = cluster.liveness.status("a", cluster.clock.now())!;
  assert.equal(s.state, "suspect");
  assert.ok(s.phi >= 3);
  assert.equal(s.probing?.directProbeFailed, true);
  assert.equal(s.probing?.peersAsked.length, 3);
  assert.equal(s.probing?.timeoutMs, 1500);
  assert.equal(cluster.liveness.status("nobody", 0), undefined);
});

test("phi() is the φ that status() reports, at every moment of a silence; undefined for an unknown node", () => {
  const cluster = new Cluster(["a", "b", "c"]);
  cluster.clock.advance(5000);
  cluster.silent.add("a");
  for (let i = 0; i < 30; i++) {
    cluster.clock.advance(70);
    const t = cluster.clock.now();
    assert.equal(cluster.liveness.phi("a", t), cluster.liveness.status("a", t)!.phi);
  }
  assert.ok(cluster.liveness.phi("a", cluster.clock.now())! > 3, "φ grew over the silence");
  assert.equal(cluster.liveness.phi("nobody", cluster.clock.now()), undefined);
});
