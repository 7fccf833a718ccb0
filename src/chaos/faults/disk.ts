// disk: fill the filesystem of `path` with a filler file at `rate` until it is `ratio` full
// (or `limit` bytes were written, a safety cap); the file is removed when reverted, and by
// cleanup after an agent restart.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, rm, statfs } from "node:fs/promises";
import { join } from "node:path";
import { onlyKnownOptions, pathOption, rateOption, ratioOption, sizeOption } from "../fault-options.js";
import type { Fault } from "./fault.js";

const MB = 1e6;
const CHUNK = 1024 * 1024;
const TICK_MS = 100;

export interface DiskOptions {
  path: string | null;
  rate: number;
  ratio: number;
  limit: number;
}

/** Bytes to write now: what the rate allows since the start, capped by the ratio and the limit (pure). */
export function fillStep(o: { rate: number; ratio: number; limit: number }, elapsedMs: number, written: number, fs: { total: number; free: number }): number {
  const byRate = (o.rate * elapsedMs) / 1000 - written;
  const used = fs.total - fs.free;
  const byRatio = o.ratio * fs.total - used;
  return Math.max(0, Math.floor(Math.min(byRate, byRatio, o.limit - written)));
}

export const diskFault: Fault<DiskOptions> = {
  kind: "disk",
  summary: "fill a path's filesystem at a rate up to a ratio; the filler is removed afterwards",
  targets: ["node", "service"],
  options: ["path", "rate", "ratio", "limit"],
  parse(raw) {
    onlyKnownOptions("disk", raw, ["path", "rate", "ratio", "limit"]);
    return {
      path: raw.path === undefined ? null : pathOption(raw, "path", "/"),
      rate: rateOption(raw, "rate", 50 * MB),
      ratio: ratioOption(raw, "ratio", 0.95),
      limit: sizeOption(raw, "limit", 1024 * MB),
    };
  },
  async inject(ctx, target, o) {
    const service = target.kind === "service" ? ctx.services().get(target.name) : undefined;
    if (target.kind === "service" && !service) throw new Error(`service "${target.name}" is not run by this agent`);
    const dir = o.path ?? service?.snapshot?.path ?? service?.run?.cwd ?? ctx.dataDir;
    const file = join(dir, `.vigil-chaos-fill-${randomBytes(4).toString("hex")}`);
    const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY).catch((err: Error) => {
      throw new Error(`cannot create the filler file in "${dir}": ${err.message}`);
    });
    const started = ctx.clock.now();
    let written = 0;
    let writing = false;
    let stopped = false;
    const zeros = Buffer.alloc(CHUNK, 0x5a);
    const timer = ctx.clock.setInterval(() => {
      if (writing || stopped) return;
      writing = true;
      void (async () => {
        try {
          const s = await statfs(dir);
          let due = fillStep(o, ctx.clock.now() - started, written, { total: s.blocks * s.bsize, free: s.bavail * s.bsize });
          while (due > 0 && !stopped) {
            const n = Math.min(due, CHUNK);
            await handle.write(zeros, 0, n);
            written += n;
            due -= n;
          }
        } catch (err) {
          ctx.logger.warn({ err, file }, "disk fault: write failed (the filesystem is full?)");
        } finally {
          writing = false;
        }
      })();
    }, TICK_MS);
    return {
      record: { file },
      revert: async () => {
        stopped = true;
        timer.cancel();
        await handle.close().catch(() => undefined);
        await rm(file, { force: true });
        return `removed ${file} (${written} bytes)`;
      },
    };
  },
  async cleanup(record) {
    await rm(String(record.file), { force: true });
    return `removed ${String(record.file)}`;
  },
};
