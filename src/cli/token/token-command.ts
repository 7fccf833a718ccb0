// `vigil token create|list|revoke`: API tokens. With --server or a token (--token,
// $VIGIL_TOKEN, $VIGIL_SERVER) it calls the server's admin API; with --data, or with none
// of those, it works directly on the data directory (how the first admin token is made).
import type { Command } from "commander";
import { resolve } from "node:path";
import { formatTable } from "../api-get.js";
import { apiTarget, loadCommandConfig, operatorName } from "../options.js";
import { localTokenAdmin, remoteTokenAdmin, type TokenAdmin } from "./token-admin.js";
import { TOKEN_KINDS, type TokenCreateFlags } from "./token-kinds.js";
import type { TokenView } from "../../server/auth/token-admin.js";

interface WhereFlags {
  server?: string;
  token?: string;
  data?: string;
  config?: string;
}

/** The data directory when given or when nothing says to call a server; else the API. */
export function chooseTokenAdmin(command: string, flags: WhereFlags): Promise<TokenAdmin> {
  const remote = flags.data === undefined && (flags.server !== undefined || flags.token !== undefined || !!process.env.VIGIL_TOKEN || !!process.env.VIGIL_SERVER);
  if (remote) return Promise.resolve(remoteTokenAdmin(command, apiTarget(flags)));
  const config = flags.data === undefined && process.env.VIGIL_DATA === undefined ? loadCommandConfig(flags).config : undefined;
  const dataDir = resolve(flags.data ?? process.env.VIGIL_DATA ?? config!.server.data);
  const url = config?.server.storage;
  return localTokenAdmin(command, dataDir, operatorName(), Date.now, url !== undefined ? { url } : {});
}

function addWhereOptions(cmd: Command): Command {
  return cmd
    .option("--data <dir>", "work directly on this data directory (default when no server or token is given: $VIGIL_DATA or server.data)")
    .option("--config <file>", "config file whose server.data is used (default: $VIGIL_CONFIG or ./vigil.yaml)")
    .option("--server <url>", "call this server's admin API (default: $VIGIL_SERVER)")
    .option("--token <token>", "admin token for the API (default: $VIGIL_TOKEN)");
}

async function withAdmin(command: string, flags: WhereFlags, work: (admin: TokenAdmin) => Promise<number>): Promise<number> {
  const admin = await chooseTokenAdmin(command, flags);
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export function registerTokenCommand(program: Command): void {
  const token = program.command("token").description("API tokens and agent enrollment tokens: create (printed once), list, revoke");

  const create = addWhereOptions(token.command("create").description("create a token and print it (only this once)"));
  for (const kind of TOKEN_KINDS) kind.addOptions(create);
  create.action(async (flags: TokenCreateFlags & WhereFlags) => {
    const kind = TOKEN_KINDS.find((k) => k.selected(flags))!;
    process.exitCode = await kind.create(flags, (work) => withAdmin("token create", flags, work));
  });

  addWhereOptions(token.command("list").description("every token: id, name, role, created, last used, revoked (never the token itself)")).action(
    async (flags: WhereFlags) => {
      process.exitCode = await withAdmin("token list", flags, async (admin) => {
        const tokens = await admin.list();
        if (!tokens) return 1;
        console.log(tokens.length === 0 ? `No tokens in ${admin.where}.` : tokenTable(tokens));
        return 0;
      });
    },
  );

  addWhereOptions(token.command("revoke").description("revoke a token at once (its sessions end too)").argument("<id>", "the token's id (see vigil token list)")).action(
    async (idText: string, flags: WhereFlags) => {
      const id = Number(idText);
      if (!/^\d+$/.test(idText) || !Number.isSafeInteger(id) || id <= 0) {
        console.error(`vigil token revoke: invalid token id "${idText}": expected a positive number`);
        process.exitCode = 1;
        return;
      }
      process.exitCode = await withAdmin("token revoke", flags, async (admin) => {
        const revoked = await admin.revoke(id);
        if (!revoked) return 1;
        const t = revoked.token;
        console.log(revoked.alreadyRevoked ? `Token ${t.id} "${t.name}" was already revoked.` : `Token ${t.id} "${t.name}" (${t.role}) revoked.`);
        return 0;
      });
    },
  );
}

function tokenTable(tokens: TokenView[]): string {
  const time = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z"));
  return formatTable([
    ["ID", "NAME", "ROLE", "STATE", "CREATED", "BY", "LAST USED"],
    ...tokens.map((t) => [String(t.id), t.name, t.role, t.revokedAt === null ? "active" : `revoked ${time(t.revokedAt)}`, time(t.createdAt), t.createdBy, time(t.lastUsedAt)]),
  ]);
}
