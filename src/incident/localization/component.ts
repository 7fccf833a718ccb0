// Component ids of the localizer's graph: "service:NAME" for a service, "node:NAME" for the
// node hosting services. The prefix keeps a service and a node of the same name apart.

export type ComponentKind = "service" | "node";
export type ComponentId = `service:${string}` | `node:${string}`;

export function serviceId(name: string): ComponentId {
  return `service:${name}`;
}

export function nodeId(name: string): ComponentId {
  return `node:${name}`;
}

/** Splits an id; null when it has neither prefix. */
export function tryParseComponentId(id: string): { kind: ComponentKind; name: string } | null {
  const match = /^(service|node):(.+)$/.exec(id);
  return match ? { kind: match[1] as ComponentKind, name: match[2]! } : null;
}

/** Splits an id; throws a LocalizationInputError naming `where` when it has neither prefix. */
export function parseComponentId(id: string, where: string): { kind: ComponentKind; name: string } {
  const parsed = tryParseComponentId(id);
  if (!parsed) throw new LocalizationInputError(`${where}: expected "service:NAME" or "node:NAME", got ${JSON.stringify(id)}`);
  return parsed;
}

/** Bad input to the localizer: the message names the field and what was expected. */
export class LocalizationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalizationInputError";
  }
}
