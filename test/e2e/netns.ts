// The network-namespace lab lives in src/demo/netns-lab.ts (the demo cluster uses it too);
// tests import it from here as before.
export * from "../../src/demo/netns-lab.js";
