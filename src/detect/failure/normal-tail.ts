// φ of a standard score: −log10 of the standard normal upper tail Q(z) = 1 − Φ(z), computed
// in log space so that φ stays exact where Q itself underflows (Q(38) ≈ 3e-316, Q(40) = 0 in
// doubles) — the inverse gives the score at which φ reaches a threshold.

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erf(x) by its everywhere-convergent series of positive terms,
 *   erf(x) = (2/√π) · e^(−x²) · Σ_{n≥0} (2x²)^n · x / (2n+1)!!,
 * which has no cancellation; used for |x| < 2, where it needs fewer than 40 terms.
 */
function erfSeries(x: number): number {
  const twoXSquared = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= twoXSquared / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
  }
  return ((2 / SQRT_PI) * Math.exp(-x * x)) * sum;
}

/**
 * e^(x²) · erfc(x) for x ≥ 2, by Laplace's continued fraction
 *   erfc(x) = (e^(−x²)/√π) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
 * evaluated with the modified Lentz algorithm; it converges faster the larger x is.
 */
function scaledErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = f;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (f * SQRT_PI);
}

/** ln(erfc(x)) for any real x, exact to a few ulps and never underflowing. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return -Infinity;
  if (x <= -2) {
    // erfc(x) = 2 − erfc(−x) = 2·(1 − erfc(−x)/2), with erfc(−x) ≤ erfc(2) ≈ 0.0047.
    return Math.LN2 + Math.log1p(-Math.exp(logErfc(-x)) / 2);
  }
  if (x < 2) return Math.log1p(-erfSeries(x));
  return -x * x + Math.log(scaledErfcContinuedFraction(x));
}

/**
 * φ(z) = −log10(Q(z)) with Q(z) = 1 − Φ(z) = erfc(z/√2)/2. φ(0) = log10 2 ≈ 0.301, φ grows
 * like z²/(2 ln 10) for large z (φ(10) ≈ 23.1, φ(40) ≈ 349.4), and φ → 0 as z → −∞.
 */
export function phiOfStandardScore(z: number): number {
  if (Number.isNaN(z)) throw new RangeError("phiOfStandardScore: z is NaN");
  if (z === -Infinity) return 0;
  if (z < 0) {
    // Q(z) = 1 − Q(−z): log1p keeps the tiny φ of early heartbeats exact.
    return -Math.log1p(-Math.exp(logErfc(-z / Math.SQRT2)) / 2) / Math.LN10;
  }
  return -(logErfc(z / Math.SQRT2) - Math.LN2) / Math.LN10;
}

const scoreForPhiCache = new Map<number, number>();
/** The last answer, checked before the map: detectors ask for the same φ again and again. */
let lastPhi = Number.NaN;
let lastScore = Number.NaN;

/**
 * The standard score at which φ reaches `phi` (the inverse of phiOfStandardScore), found by
 * bisection — φ is strictly increasing — and memoised: detectors ask it for a few fixed
 * thresholds on every check.
 */
export function standardScoreForPhi(phi: number): number {
  if (phi === lastPhi) return lastScore;
  if (!(phi > 0) || !Number.isFinite(phi)) {
    throw new RangeError(`standardScoreForPhi: expected a finite φ > 0, got ${phi}`);
  }
  const cached = scoreForPhiCache.get(phi);
  if (cached !== undefined) return remember(phi, cached);
  let low = -40;
  let high = 1;
  while (phiOfStandardScore(high) < phi) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, Math.abs(high)); i++) {
    const mid = (low + high) / 2;
    if (phiOfStandardScore(mid) < phi) low = mid;
    else high = mid;
  }
  if (scoreForPhiCache.size < 1000) scoreForPhiCache.set(phi, high);
  return remember(phi, high);
}

function remember(phi: number, score: number): number {
  lastPhi = phi;
  lastScore = score;
  return score;
}
