// @peculiar/x509 registers its algorithm classes with tsyringe, which insists on a
// Reflect.getMetadata polyfill being loaded first ("reflect-metadata"). Its code emits no
// decorator metadata, so tsyringe only ever reads metadata back; this minimal store (the
// slice of the Reflect Metadata API tsyringe calls) is enough. Imported before x509.
type MetadataTarget = object;
const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  reflect.defineMetadata = (key: unknown, value: unknown, target: MetadataTarget) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
  reflect.getMetadata = (key: unknown, target: MetadataTarget): unknown => {
    for (let t: MetadataTarget | null = target; t; t = Object.getPrototypeOf(t) as MetadataTarget | null) {
      const map = store.get(t);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
  reflect.getOwnMetadata = (key: unknown, target: MetadataTarget): unknown => store.get(target)?.get(key);
  reflect.hasMetadata = (key: unknown, target: MetadataTarget): boolean => reflect.getMetadata !== undefined && (reflect.getMetadata as (k: unknown, t: object) => unknown)(key, target) !== undefined;
  reflect.metadata = (key: unknown, value: unknown) => (target: MetadataTarget) => (reflect.defineMetadata as (k: unknown, v: unknown, t: object) => void)(key, value, target);
}
