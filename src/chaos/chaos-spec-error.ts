// The error of a fault request that cannot be carried out as written: it names where the
// problem is (`options.rate`, `target`) and what was expected, for the API's 400 and the CLI.
export class ChaosSpecError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
