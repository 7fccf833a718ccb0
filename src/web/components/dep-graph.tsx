// A service between what it depends on (left) and what depends on it (right), as a small
// SVG graph whose boxes link to those services.
import { href } from "../router.js";

const BOX_W = 140;
const BOX_H = 34;
const GAP_Y = 14;
const COL_X = [2, 200, 398];

function Box({ x, y, name, self }: { x: number; y: number; name: string; self?: boolean }) {
  const label = name.length > 18 ? `${name.slice(0, 17)}…` : name;
  const body = (
    <>
      <rect x={x} y={y} width={BOX_W} height={BOX_H} rx={8} />
      <text x={x + BOX_W / 2} y={y + BOX_H / 2 + 4} text-anchor="middle">
        {label}
      </text>
    </>
  );
  return <g class={`node${self ? " self" : ""}`}>{self ? body : <a href={href.service(name)}>{body}</a>}</g>;
}

export function DependencyGraph({ name, dependencies, dependents }: { name: string; dependencies: string[]; dependents: string[] }) {
  const rows = Math.max(1, dependencies.length, dependents.length);
  const height = 28 + rows * (BOX_H + GAP_Y);
  const top = (count: number, i: number) => 28 + ((rows - count) * (BOX_H + GAP_Y)) / 2 + i * (BOX_H + GAP_Y);
  const selfY = top(1, 0);
  const edge = (x1: number, y1: number, x2: number, y2: number) => {
    const mx = (x1 + x2) / 2;
    return <path class="edge" d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} marker-end="url(#arrow)" />;
  };
  return (
    <div class="graph">
      <svg viewBox={`0 0 ${COL_X[2]! + BOX_W + 2} ${height}`} style={{ maxWidth: 620 }} role="img" aria-label={`${name}: depends on ${dependencies.join(", ") || "nothing"}; needed by ${dependents.join(", ") || "nothing"}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="var(--faint)" />
          </marker>
        </defs>
        <text class="col-label" x={COL_X[0]} y={14}>
          needed by
        </text>
        <text class="col-label" x={COL_X[1]} y={14}>
          service
        </text>
        <text class="col-label" x={COL_X[2]} y={14}>
          depends on
        </text>
        {dependents.map((d, i) => edge(COL_X[0]! + BOX_W, top(dependents.length, i) + BOX_H / 2, COL_X[1]!, selfY + BOX_H / 2))}
        {dependencies.map((d, i) => edge(COL_X[1]! + BOX_W, selfY + BOX_H / 2, COL_X[2]!, top(dependencies.length, i) + BOX_H / 2))}
        {dependents.map((d, i) => (
          <Box key={`l-${d}`} x={COL_X[0]!} y={top(dependents.length, i)} name={d} />
        ))}
        <Box x={COL_X[1]!} y={selfY} name={name} self />
        {dependencies.map((d, i) => (
          <Box key={`r-${d}`} x={COL_X[2]!} y={top(dependencies.length, i)} name={d} />
        ))}
        {dependents.length === 0 && (
          <text class="col-label" x={COL_X[0]! + 6} y={selfY + BOX_H / 2 + 4}>
            nothing
          </text>
        )}
        {dependencies.length === 0 && (
          <text class="col-label" x={COL_X[2]! + 6} y={selfY + BOX_H / 2 + 4}>
            nothing
          </text>
        )}
      </svg>
    </div>
  );
}
