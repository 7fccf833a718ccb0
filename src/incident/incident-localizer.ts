// Localizes one incident: the components in its scope (its members, the services they
// depend on, the nodes they run on and what runs on those nodes) with their health now
// and their recent evidence, the series store for resource attribution, and the declared
// limits — into localize(), and the result into what the incident records.
import type { Localization } from "./localization/localize.js";
import { localize } from "./localization/localize.js";
import type { ComponentObservation, ComponentStatus } from "./localization/observation.js";
import type { ResourceLimits } from "./localization/causes/cause.js";
import type { SeriesReader } from "./localization/series-reader.js";
import type { IncidentLocalization } from "./incident-manager.js";
import type { EvidenceLog } from "./evidence-log.js";
import { nodeId, serviceId, tryParseComponentId } from "./localization/component.js";
import type { Topology } from "./topology.js";
import type { IncidentRecord } from "../storage/storage.js";

export interface IncidentLocalizerDeps {
  topology(): Topology;
  status(key: string): { status: ComponentStatus; since: number };
  evidence: EvidenceLog;
  series: SeriesReader | null;
  limits: Readonly<Record<string, ResourceLimits>>;
}

export class IncidentLocalizer {
  constructor(private readonly deps: IncidentLocalizerDeps) {}

  localize(incident: IncidentRecord, now: number): IncidentLocalization | null {
    const topology = this.deps.topology();
    const scope = this.scopeOf(incident, topology);
    const observations: ComponentObservation[] = [...scope].map((component) => {
      const { status, since } = this.deps.status(component);
      // Evidence from before this incident began, of a component healthy since then, is of
      // an earlier failure that was repaired: a service killed a minute ago and restarted is
      // no suspect for its dependent's hang now (found by a game day, src/chaos/gameday).
      // The log also leaves out what came before a recovery that held until this incident:
      // a failing db's SIGKILL of two minutes ago is not why its replies are slow now.
      const evidence = this.deps.evidence.of(component, now, incident.firstSignalAt);
      const stale = status === "healthy" ? Math.min(since, incident.firstSignalAt) : -Infinity;
      return {
        component,
        status,
        ...(status === "failing" && { firstSignalAt: Math.min(since, now) }),
        evidence: evidence.filter((e) => e.at >= stale),
      } as ComponentObservation;
    });
    // Nodes in scope are in the graph even when no service runs on them (an agent watching only its host).
    const nodes = [...scope].flatMap((component) => {
      const p = tryParseComponentId(component);
      return p?.kind === "node" ? [p.name] : [];
    });
    const l: Localization | null = localize({ topology: { services: topology.services, nodes }, observations, series: this.deps.series, limits: this.deps.limits }, now);
    if (!l) return null;
    return { rootKey: l.root, cause: l.cause, confidence: l.confidence, summary: l.summary, evidence: l.evidence, candidates: l.candidates };
  }

  private scopeOf(incident: IncidentRecord, topology: Topology): Set<string> {
    const scope = new Set<string>();
    for (const member of incident.members) {
      const p = tryParseComponentId(member);
      if (!p) continue;
      scope.add(member);
      if (p.kind === "node") {
        for (const s of topology.hostedOn(p.name)) scope.add(serviceId(s));
        continue;
      }
      for (const dep of [p.name, ...topology.dependenciesOf(p.name)]) {
        scope.add(serviceId(dep));
        const node = topology.nodeOf(dep);
        if (node) scope.add(nodeId(node));
      }
    }
    return scope;
  }
}
