// DESIGN.md's mapping from a raw deviation to a probability: P(x) = 1 / (1 + e^(−a(x − b))).
// Here x is a surprise in decades; a and b are chosen in detector-options.ts.

export function logistic(x: number, slope: number, midpoint: number): number {
  if (x === -Infinity) return 0;
  return 1 / (1 + Math.exp(-slope * (x - midpoint)));
}

/** The surprise at which the logistic reaches `probability` (its inverse). */
export function surpriseForProbability(probability: number, slope: number, midpoint: number): number {
  return midpoint + Math.log(probability / (1 - probability)) / slope;
}
