// A vector selector written back as PromQL text, `{__name__="up",job=~"a|b"}`: what one
// replica sends another to ask for the series a query reads. Offset and @ are left out (the
// caller asks for the time range they lead to); the text parses back to the same matchers.
import type { VectorSelector } from "./ast.js";

export function selectorText(selector: VectorSelector): string {
  // JSON's string escapes (\" \\ \n \uXXXX ...) are a subset of PromQL's.
  return `{${selector.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(",")}}`;
}
