// φ of a standard score against the closed form −log10(erfc(z/√2)/2), evaluated with 40-digit
// arithmetic (mpmath) for the reference values, including where the tail underflows doubles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { logErfc, phiOfStandardScore, standardScoreForPhi } from "../../../src/detect/failure/normal-tail.js";

/** z → −log10(erfc(z/√2)/2), from mpmath with mp.dps = 40. */
const REFERENCE: [number, number][] = [
  [-8, 2.7017288495439212877e-16],
  [-3, 0.00058664931379006669102],
  [-1, 0.075026012957818023238],
  [-0.5, 0.16023139227784901733],
  [0, 0.30102999566398119521],
  [0.3, 0.4178359449542994952],
  [0.5, 0.51069198926524077447],
  [1, 0.79954554149197050003],
  [1.5, 1.1751767216148164217],
  [2, 1.643016080140937048],
  [2.5, 2.2069318057953010763],
  [2.8, 2.5925869427534963244],
  [3, 2.8696990359293690772],
  [4, 4.4993349075564788648],
  [5, 6.5426456723906544963],
  [6, 9.0058643274767042092],
  [7, 11.892853637475489837],
  [8, 15.206142551017154558],
  [10, 23.118053405486075894],
  [15, 50.435219614275511368],
  [20, 88.56009534307559192],
  [30, 197.30920926166094939],
  [37, 299.24218117860992167],
  // From here on Q(z) is below the smallest double: only a log-space formula gets these.
  [38, 315.53978970396250789],
  [40, 349.43700645934584209],
  [60, 783.90742916411070991],
  [100, 2173.8715428690343765],
  [1000, 217150.64004199438628],
];

test("φ matches the closed form to 1e-12 relative error over the whole range, where the tail underflows included", () => {
  for (const [z, expected] of REFERENCE) {
    const actual = phiOfStandardScore(z);
    const relativeError = Math.abs(actual - expected) / expected;
    assert.ok(relativeError < 1e-12, `z=${z}: φ=${actual}, expected ${expected} (relative error ${relativeError})`);
  }
});

test("for large z, φ agrees with the asymptotic series of the normal tail", () => {
  // Q(z) = φ_pdf(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶ + …); the omitted terms are below 105/z⁸.
  for (const z of [50, 200, 5_000, 1e6]) {
    const logQ = -(z * z) / 2 - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log1p(-1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6);
    const expected = -logQ / Math.LN10;
    assert.ok(Math.abs(phiOfStandardScore(z) - expected) / expected < 1e-12, `z=${z}`);
  }
});

test("φ is 0 at −∞, finite everywhere, and strictly increasing in z", () => {
  assert.equal(phiOfStandardScore(-Infinity), 0);
  let previous = -1;
  for (let z = -10; z <= 60; z += 0.05) {
    const phi = phiOfStandardScore(z);
    assert.ok(Number.isFinite(phi) && phi > previous, `φ(${z}) = ${phi} after ${previous}`);
    previous = phi;
  }
  assert.throws(() => phiOfStandardScore(NaN), /z is NaN/);
});

test("standardScoreForPhi inverts φ: the familiar quantiles come back", () => {
  // Q(1.2815515655446004) = 0.1, Q(3.090232306167813) = 0.001, Q(5.612001244174789) = 1e-8.
  assert.ok(Math.abs(standardScoreForPhi(1) - 1.2815515655446004) < 1e-9);
  assert.ok(Math.abs(standardScoreForPhi(3) - 3.090232306167813) < 1e-9);
  assert.ok(Math.abs(standardScoreForPhi(8) - 5.612001244174789) < 1e-9);
  for (const phi of [0.01, 0.5, 2, 12, 100, 5000]) {
    assert.ok(Math.abs(phiOfStandardScore(standardScoreForPhi(phi)) - phi) / phi < 1e-9, `φ=${phi}`);
  }
  assert.throws(() => standardScoreForPhi(0), /expected a finite φ > 0, got 0/);
  assert.throws(() => standardScoreForPhi(Infinity), /expected a finite φ > 0/);
});

test("logErfc is ln(erfc) on both sides of 0 and at the series/continued-fraction boundary", () => {
  // erfc(−1) = 1.8427007929497148693, erfc(1.999…) ≈ erfc(2) = 0.0046777349810472658379.
  assert.ok(Math.abs(logErfc(-1) - Math.log(1.8427007929497148693)) < 1e-15);
  assert.ok(Math.abs(logErfc(2) - Math.log(0.0046777349810472658379)) < 1e-13);
  assert.ok(Math.abs(logErfc(2 - 1e-12) - logErfc(2)) < 1e-10, "continuous where the method changes");
  assert.ok(logErfc(0) === 0, "erfc(0) = 1");
  assert.equal(logErfc(Infinity), -Infinity);
});
