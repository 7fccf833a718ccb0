// What a PromQL function plugin is: its name, the types of its arguments and result (checked
// when a query is parsed), and how it computes its result at one evaluation instant.
import type { Expr, ValueType } from "../ast.js";
import type { Value } from "../values.js";

export interface CallContext {
  /** The evaluation instant (ms). */
  t: number;
  /** The call's argument expressions (absent() reads its selector's matchers). */
  args: readonly Expr[];
}

export interface PromqlFunction {
  name: string;
  argTypes: ValueType[];
  /** How many trailing arguments may be left out (round's to_nearest). */
  optionalArgs?: number;
  returns: ValueType;
  call(args: Value[], ctx: CallContext): Value;
}
