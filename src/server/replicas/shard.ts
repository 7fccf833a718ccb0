// Which nodes this replica holds in a sharded cluster (issue 11): the owner of a node is the
// rendezvous-hashing winner among the live replicas (src/replicas/node-ownership.ts), so every
// replica computes the same owner from the same list without asking anyone. An agent that
// says hello to a replica that does not own its node is redirected to the owner.
import { PROTOCOL_VERSION, type RedirectMessage } from "../../protocol/messages.js";
import { ownerOf } from "../../replicas/node-ownership.js";
import type { ReplicaAddress } from "../../replicas/replica-membership.js";

export class Shard {
  constructor(
    /** This replica's name (known once it listens, when the name comes from its port). */
    private readonly selfName: () => string,
    /** The live replicas nodes are spread over (empty before this replica's first registration: then it holds none). */
    readonly replicas: () => readonly ReplicaAddress[],
  ) {}

  get self(): string {
    return this.selfName();
  }

  /** The node's owner among the live replicas (null while this replica knows of none). */
  ownerOf(node: string): ReplicaAddress | null {
    const live = this.replicas();
    const name = ownerOf(node, live.map((r) => r.name));
    return live.find((r) => r.name === name) ?? null;
  }

  /**
   * Whether this replica holds the node. Before it has registered and read the replicas, none:
   * a restarted replica must not judge nodes the others hold while its old registration runs out.
   */
  owns(node: string): boolean {
    return this.ownerOf(node)?.name === this.self;
  }

  /**
   * How this replica answers the node's hello: null when it owns the node, else a redirect to
   * the owner. Throws before this replica has joined the cluster (the hub then asks the agent
   * to come back later).
   */
  admit(node: string): { redirect: RedirectMessage } | null {
    const owner = this.ownerOf(node);
    if (owner === null) throw new Error(`replica ${this.self} has not joined the cluster yet`);
    return owner.name === this.self ? null : { redirect: this.redirectTo(node, owner) };
  }

  /** The redirect to the node's owner, or null when this replica owns it or knows no owner. */
  redirectFor(node: string): RedirectMessage | null {
    const owner = this.ownerOf(node);
    if (owner === null || owner.name === this.self) return null;
    return this.redirectTo(node, owner);
  }

  private redirectTo(node: string, owner: ReplicaAddress): RedirectMessage {
    return { type: "redirect", v: PROTOCOL_VERSION, url: owner.url, owner: owner.name, reason: `node ${node} belongs to replica ${owner.name}` };
  }
}
