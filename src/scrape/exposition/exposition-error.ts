// A scraped page that is not valid exposition text: the error names the line and column
// (both from 1) and what was expected there, so an exporter's author can find the fault.

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
    this.name = "ExpositionError";
  }
}
