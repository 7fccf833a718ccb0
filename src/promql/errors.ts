// The two kinds of PromQL failure, as Prometheus' API tells them apart: a query that cannot
// be parsed or type-checked (bad_data, HTTP 400) and one that fails while it is evaluated
// (execution, HTTP 422), plus a query that ran out of time (timeout, HTTP 503).

/** A query that is not valid PromQL, or uses PromQL that Vigil does not support; names the position. */
export class PromqlParseError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the query text. */
    readonly position: number,
  ) {
    super(`parse error at char ${position + 1}: ${message}`);
    this.name = "PromqlParseError";
  }
}

/** A valid query whose evaluation failed, such as a many-to-many match. */
export class PromqlExecutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PromqlExecutionError";
  }
}

/** The query took longer than its timeout. */
export class PromqlTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`query timed out in expression evaluation (timeout ${timeoutMs}ms)`);
    this.name = "PromqlTimeoutError";
  }
}
