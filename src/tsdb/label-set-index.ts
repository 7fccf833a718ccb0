// Series looked up by name and label set without building a key string per sample: a trie
// of name → label name → label value → …. Building and hashing a ~60-character key per
// sample cost about four times as much as these few lookups of short strings whose hashes
// V8 caches.
//
// A label set has one canonical path (label names sorted), and one more path for each other
// key order it has been looked up in: agents send the same labels in the same order every
// time, so after the first sample a lookup walks the object's own order (for…in, no
// allocation) and never sorts. A path names its pairs, so two label sets never share one.
import { sortedLabelNames } from "./labels.js";
import type { Labels } from "./series-store.js";

interface TrieNode<V> {
  value?: V | undefined;
  children?: Map<string, Map<string, TrieNode<V>>>;
}

export class LabelSetIndex<V> {
  private readonly roots = new Map<string, TrieNode<V>>();
  /** Key orders other than the sorted one under which a value is reachable, for delete. */
  private readonly aliasOrders = new Map<V, string[][]>();

  get(name: string, labels: Labels): V | undefined {
    const root = this.roots.get(name);
    if (root === undefined) return undefined;
    let node: TrieNode<V> | undefined = root;
    let sorted = true;
    let previous = "";
    for (const labelName in labels) {
      if (labelName < previous) sorted = false;
      previous = labelName;
      node = node.children?.get(labelName)?.get(labels[labelName]!);
      if (node === undefined) break;
    }
    if (node?.value !== undefined || sorted) return node?.value;
    // Not seen in this key order: look up the canonical path, and remember this order.
    const value = this.walk(root, sortedLabelNames(labels), labels)?.value;
    if (value !== undefined) this.addPath(name, Object.keys(labels), labels, value, true);
    return value;
  }

  set(name: string, labels: Labels, value: V): void {
    this.addPath(name, sortedLabelNames(labels), labels, value, false);
    const order = Object.keys(labels);
    if (order.some((k, i) => i > 0 && k < order[i - 1]!)) this.addPath(name, order, labels, value, true);
  }

  /** Removes the label set (every path to it) and prunes the branches left empty, so label churn does not leak. */
  delete(name: string, labels: Labels): void {
    const root = this.roots.get(name);
    if (root === undefined) return;
    const value = this.walk(root, sortedLabelNames(labels), labels)?.value;
    const orders = [sortedLabelNames(labels), ...(value === undefined ? [] : (this.aliasOrders.get(value) ?? []))];
    if (value !== undefined) this.aliasOrders.delete(value);
    for (const order of orders) {
      if (this.deleteBelow(root, order, 0, labels)) {
        this.roots.delete(name);
        return;
      }
    }
  }

  private walk(root: TrieNode<V>, order: readonly string[], labels: Labels): TrieNode<V> | undefined {
    let node: TrieNode<V> | undefined = root;
    for (const labelName of order) {
      node = node.children?.get(labelName)?.get(labels[labelName]!);
      if (node === undefined) return undefined;
    }
    return node;
  }

  private addPath(name: string, order: readonly string[], labels: Labels, value: V, alias: boolean): void {
    let node = this.roots.get(name);
    if (node === undefined) this.roots.set(name, (node = {}));
    for (const labelName of order) {
      node.children ??= new Map();
      let byValue = node.children.get(labelName);
      if (byValue === undefined) node.children.set(labelName, (byValue = new Map()));
      let child = byValue.get(labels[labelName]!);
      if (child === undefined) byValue.set(labels[labelName]!, (child = {}));
      node = child;
    }
    node.value = value;
    if (alias) {
      const orders = this.aliasOrders.get(value);
      if (orders === undefined) this.aliasOrders.set(value, [[...order]]);
      else orders.push([...order]);
    }
  }

  /** Returns true when `node` became empty and its parent should drop it. */
  private deleteBelow(node: TrieNode<V>, labelNames: readonly string[], depth: number, labels: Labels): boolean {
    if (depth === labelNames.length) {
      node.value = undefined;
    } else {
      const labelName = labelNames[depth]!;
      const byValue = node.children?.get(labelName);
      const child = byValue?.get(labels[labelName]!);
      if (child === undefined) return false;
      if (this.deleteBelow(child, labelNames, depth + 1, labels)) {
        byValue!.delete(labels[labelName]!);
        if (byValue!.size === 0) node.children!.delete(labelName);
      }
    }
    return node.value === undefined && (node.children === undefined || node.children.size === 0);
  }
}
