// Series looked up by name and label set without building a key string per sample: a trie
// of name → label name → label value → …, in sorted label-name order so that each label
// set has exactly one path. Building and hashing a ~60-character key per sample cost about
// four times as much as these few lookups of short strings whose hashes V8 caches.
import { sortedLabelNames } from "./labels.js";
import type { Labels } from "./series-store.js";

interface TrieNode<V> {
  value?: V | undefined;
  children?: Map<string, Map<string, TrieNode<V>>>;
}

export class LabelSetIndex<V> {
  private readonly roots = new Map<string, TrieNode<V>>();

  get(name: string, labels: Labels): V | undefined {
    let node = this.roots.get(name);
    for (const labelName of sortedLabelNames(labels)) {
      if (node === undefined) return undefined;
      node = node.children?.get(labelName)?.get(labels[labelName]!);
    }
    return node?.value;
  }

  set(name: string, labels: Labels, value: V): void {
    let node = this.roots.get(name);
    if (node === undefined) this.roots.set(name, (node = {}));
    for (const labelName of sortedLabelNames(labels)) {
      node.children ??= new Map();
      let byValue = node.children.get(labelName);
      if (byValue === undefined) node.children.set(labelName, (byValue = new Map()));
      let child = byValue.get(labels[labelName]!);
      if (child === undefined) byValue.set(labels[labelName]!, (child = {}));
      node = child;
    }
    node.value = value;
  }

  /** Removes the label set and prunes the branches left empty, so label churn does not leak. */
  delete(name: string, labels: Labels): void {
    const root = this.roots.get(name);
    if (root !== undefined && this.deleteBelow(root, sortedLabelNames(labels), 0, labels)) this.roots.delete(name);
  }

  /** Returns true when `node` became empty and its parent should drop it. */
  private deleteBelow(node: TrieNode<V>, labelNames: string[], depth: number, labels: Labels): boolean {
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
