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
    /** The live replicas nodes are spread over (empty before the first read: then this replica holds every node). */
    readonly replicas: () => readonly ReplicaAddress[],
  ) {}

  get self(): string {
    return this.selfName();
  }

  /** The node's owner among the live replicas (this replica while it knows of none). */
  ownerOf(node: string): ReplicaAddress | null {
    const live = this.replicas();
    const name = ownerOf(node, live.map((r) => r.name));
    return live.find((r) => r.name === name) ?? null;
  }

  owns(node: string): boolean {
    const owner = this.ownerOf(node);
    return owner === null || owner.name === this.self;
  }

  /** The redirect to the node's owner, or null when this replica owns it. */
  redirectFor(node: string): RedirectMessage | null {
    const owner = this.ownerOf(node);
    if (owner === null || owner.name === this.self) return null;
    return { type: "redirect", v: PROTOCOL_VERSION, url: owner.url, owner: owner.name, reason: `node ${node} belongs to replica ${owner.name}` };
  }
}
