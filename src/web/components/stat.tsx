// A figure card: a label, a big value coloured by its tone, and a hint under it.
export function Stat({ label, value, hint, tone }: { label: string; value: string | number; hint?: string; tone?: "ok" | "bad" | "warn" }) {
  return (
    <div class={`panel stat${tone ? ` ${tone}` : ""}`}>
      <div class="label">{label}</div>
      <div class="value">{value}</div>
      {hint && <div class="hint">{hint}</div>}
    </div>
  );
}
