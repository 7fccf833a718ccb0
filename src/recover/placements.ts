// Where each service runs: its configured node, until a failover moves it to a standby;
// and where its old instance is fenced (it must not run there again until an operator
// unfences it). Kept in storage, so a restarted server still knows. The agents learn it
// through their service lists (AgentService.standby / .fenced).
import type { Clock } from "../util/clock.js";
import type { PlacementRecord, Storage } from "../storage/storage.js";

export class Placements {
  private readonly moved = new Map<string, PlacementRecord>();

  constructor(
    /** The configured node of every service. */
    private readonly configured: ReadonlyMap<string, string>,
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** Restores placements of services still configured. */
  async load(): Promise<void> {
    for (const p of await this.storage.listPlacements()) if (this.configured.has(p.service)) this.moved.set(p.service, p);
  }

  services(): string[] {
    return [...this.configured.keys()];
  }

  /** The node the service runs on now. */
  nodeOf(service: string): string | undefined {
    return this.moved.get(service)?.node ?? this.configured.get(service);
  }

  fencedOn(service: string): string[] {
    return [...(this.moved.get(service)?.fenced ?? [])];
  }

  isFenced(service: string, node: string): boolean {
    return this.fencedOn(service).includes(node);
  }

  /** The service now runs on `node`; its instance on `fence` (the old node) is fenced. */
  async moveTo(service: string, node: string, fence: string): Promise<void> {
    const fenced = [...new Set([...this.fencedOn(service), fence])].filter((n) => n !== node);
    await this.save({ service, node, fenced, updatedAt: this.clock.now() });
  }

  /** Lets the instance on `node` (every node when omitted) run again; false when it was not fenced. */
  async unfence(service: string, node?: string): Promise<boolean> {
    const current = this.moved.get(service);
    if (!current || current.fenced.length === 0) return false;
    const fenced = node === undefined ? [] : current.fenced.filter((n) => n !== node);
    if (fenced.length === current.fenced.length) return false;
    await this.save({ ...current, fenced, updatedAt: this.clock.now() });
    return true;
  }

  private async save(p: PlacementRecord): Promise<void> {
    await this.storage.savePlacement(p);
    this.moved.set(p.service, p);
  }
}
