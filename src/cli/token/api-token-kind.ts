// `vigil token create --role viewer|operator|admin [--name NAME]`: an API token. The token
// is printed once, alone on stdout (so `$(vigil token create ...)` captures it); what it
// is goes to stderr.
import type { Command } from "commander";
import { isRole, ROLES } from "../../server/auth/roles.js";
import { operatorName } from "../options.js";
import type { TokenAdmin } from "./token-admin.js";
import type { TokenCreateFlags, TokenKind } from "./token-kinds.js";

export const apiTokenKind: TokenKind = {
  addOptions(create: Command) {
    create
      .option("--role <role>", `API token role: ${ROLES.join(", ")} (default: viewer)`)
      .option("--name <name>", "a name saying who or what uses it (default: <user>-<role>)");
  },
  selected: () => true,
  create: (flags, useAdmin) => useAdmin((admin) => createApiToken(flags, admin)),
};

async function createApiToken(flags: TokenCreateFlags, admin: TokenAdmin): Promise<number> {
  const role = (flags.role as string | undefined) ?? "viewer";
  if (!isRole(role)) {
    console.error(`vigil token create: unknown role "${role}": expected one of ${ROLES.join(", ")}`);
    return 1;
  }
  const name = (flags.name as string | undefined) ?? `${operatorName()}-${role}`;
  const issued = await admin.create({ name, role });
  if (!issued) return 1;
  console.error(`Created token ${issued.token.id} "${issued.token.name}" with role ${issued.token.role} in ${admin.where}.`);
  console.error("This is the only time it is shown (only its hash is stored); keep it secret:");
  console.log(issued.secret);
  return 0;
}
