// The kinds of token `vigil token create` makes: a folder-of-plugins extension point. Each
// kind adds its options to the command and says whether the given flags select it; the
// first kind selected makes the token. API tokens (--role) are the default, so they come
// last; agent enrollment tokens (--agent NODE) plug in before them with their own file.
import type { Command } from "commander";
import type { TokenAdmin } from "./token-admin.js";
import { agentTokenKind } from "./agent-token-kind.js";
import { apiTokenKind } from "./api-token-kind.js";

export interface TokenCreateFlags {
  [option: string]: string | boolean | undefined;
}

export interface TokenKind {
  /** Adds this kind's options to `vigil token create`. */
  addOptions(create: Command): void;
  /** Whether the flags ask for this kind. */
  selected(flags: TokenCreateFlags): boolean;
  /** Makes the token and prints it; returns the exit code. `useAdmin` opens the API token admin for the work and closes it after. */
  create(flags: TokenCreateFlags, useAdmin: (work: (admin: TokenAdmin) => Promise<number>) => Promise<number>): Promise<number>;
}

export const TOKEN_KINDS: readonly TokenKind[] = [agentTokenKind, apiTokenKind];
