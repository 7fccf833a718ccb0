// Conversions between a series' points as objects (Point[]) and as columns.
import type { Columns, Point } from "../series-store.js";

export function pointsToColumns(points: readonly Point[]): Columns {
  const ts = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    ts[i] = points[i]!.ts;
    values[i] = points[i]!.value;
  }
  return { ts, values };
}

export function columnsToPoints(columns: Columns): Point[] {
  const points = new Array<Point>(columns.ts.length);
  for (let i = 0; i < points.length; i++) points[i] = { ts: columns.ts[i]!, value: columns.values[i]! };
  return points;
}
