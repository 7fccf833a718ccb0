// The agent's durable outbox: every message that must reach the server (samples, probe
// changes, events, action results) is numbered and appended to <dir>/outbox.jsonl before it
// is sent, and kept until the server acknowledges it, so neither a lost link nor a killed agent loses it.
//
// File format (append-only JSON lines):
//   line 1   {"outboxId":"<uuid>","lastSeq":L,"ackedSeq":A}   header, written with the file
//   then     {"seq":N,"msg":{...}}   a message (stored without its seq)
//            {"ack":N}               the server stored every seq <= N
//            {"drop":N}              message N was dropped to keep the outbox bounded
// A new file gets a new outboxId, which tells the server to reset its de-duplication for this
// node. L and A in the header carry the seq counter and ack level across compactions.
//
// Durability: appends are plain write(2) calls on an O_APPEND fd without fsync. Once write
// returns, the line is in the kernel's page cache, so it survives the agent process being
// killed (SIGKILL, OOM, crash); it does not survive the machine losing power before the
// kernel flushes it, which is accepted for monitoring data. Compaction is the exception: it
// writes a temporary file, fsyncs it and renames it over the old one, so a crash at any point
// leaves either the old or the new file, both complete.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import type { OutboxMessage, UnsequencedMessage } from "../protocol/messages.js";
import { systemClock, type Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export const OUTBOX_FILE = "outbox.jsonl";
const DROP_LOG_INTERVAL_MS = 10_000;
const DEFAULT_COMPACT_AFTER_BYTES = 1024 * 1024;
const OUTBOX_TYPES: ReadonlySet<string> = new Set(["samples", "probe", "event", "action.result"]);

export interface OutboxOptions {
  dir: string;
  /** Bound on pending messages; beyond it the oldest "samples" are dropped (never events). */
  maxMessages: number;
  logger: Logger;
  /**
   * Called after an append that had to drop messages, with how many it dropped. It runs
   * after the append has completed, so it may itself append (e.g. an "outbox.dropped" event).
   */
  onDrop?: (dropped: number) => void;
  /** Times the rate limit of log lines; defaults to the wall clock. */
  clock?: Clock;
  /** Compaction waits until the file is at least this large (default 1 MiB). */
  compactAfterBytes?: number;
}

/**
 * Compaction pays when most of the file is dead: more acknowledged/dropped records than
 * 2 × the pending ones (so rewriting shrinks the file at least threefold), and the file is
 * big enough for the rewrite to matter.
 */
export function shouldCompact(state: {
  fileBytes: number;
  recordLines: number;
  pendingCount: number;
  minBytes: number;
}): boolean {
  const deadLines = state.recordLines - state.pendingCount;
  return deadLines > 2 * state.pendingCount && state.fileBytes > state.minBytes;
}

interface Header {
  outboxId: string;
  lastSeq: number;
  ackedSeq: number;
}

type RecordLine = { seq: number; msg: Record<string, unknown> } | { ack: number } | { drop: number };

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function parseHeader(text: string): Header | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  const h = json as Record<string, unknown>;
  if (typeof h.outboxId !== "string" || h.outboxId.length === 0) return null;
  if (!isCount(h.lastSeq) || !isCount(h.ackedSeq)) return null;
  return { outboxId: h.outboxId, lastSeq: h.lastSeq, ackedSeq: h.ackedSeq };
}

/** Returns the record, or a description of what is wrong with the line. */
function parseRecord(text: string): RecordLine | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object";
  const r = json as Record<string, unknown>;
  if ("seq" in r) {
    if (!isCount(r.seq) || r.seq === 0) return "seq is not a positive integer";
    const msg = r.msg;
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return "msg is not an object";
    const type = (msg as Record<string, unknown>).type;
    if (typeof type !== "string" || !OUTBOX_TYPES.has(type)) return `msg.type ${JSON.stringify(type)} is not an outbox message type`;
    return { seq: r.seq, msg: msg as Record<string, unknown> };
  }
  if ("ack" in r) return isCount(r.ack) ? { ack: r.ack } : "ack is not a non-negative integer";
  if ("drop" in r) return isCount(r.drop) && r.drop > 0 ? { drop: r.drop } : "drop is not a positive integer";
  return "neither a message, an ack nor a drop record";
}

function messageLine(message: OutboxMessage): string {
  const { seq, ...msg } = message;
  return JSON.stringify({ seq, msg });
}

function writeAll(fd: number, text: string): number {
  const buf = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
  return buf.length;
}

/** Counts events and emits at most one log line per interval, carrying the count since the last line. */
class ThrottledLog {
  private unlogged = 0;
  private lastLineAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly emit: (count: number) => void,
  ) {}

  note(count: number): void {
    this.unlogged += count;
    const now = this.clock.now();
    if (now - this.lastLineAt >= this.intervalMs) this.flush(now);
  }

  flush(now = this.clock.now()): void {
    if (this.unlogged === 0) return;
    this.emit(this.unlogged);
    this.unlogged = 0;
    this.lastLineAt = now;
  }
}

export class Outbox {
  readonly path: string;
  private fd: number | null;
  private id: string;
  private seqCounter: number;
  private acked: number;
  /** Pending messages by seq; insertion order is seq order because seqs only grow. */
  private readonly pendingBySeq = new Map<number, OutboxMessage>();
  /** The pending "samples" seqs, oldest first: the candidates for dropping. */
  private readonly pendingSamples = new Set<number>();
  private fileBytes: number;
  /** Lines after the header, live or dead. */
  private recordLines: number;
  private compactFloorBytes: number;
  private dropped = 0;
  private warnedOverBound = false;
  /** After a failed write the file may end in a fragment; the next line must start on a new line. */
  private needsNewline = false;
  private readonly dropLog: ThrottledLog;
  private readonly writeErrorLog: ThrottledLog;
  private lastWriteError = "";

  private constructor(
    private readonly options: OutboxOptions,
    private readonly logger: Logger,
    state: { path: string; fd: number; header: Header; messages: OutboxMessage[]; fileBytes: number; recordLines: number },
  ) {
    this.path = state.path;
    this.fd = state.fd;
    this.id = state.header.outboxId;
    this.seqCounter = state.header.lastSeq;
    this.acked = state.header.ackedSeq;
    for (const m of state.messages) this.remember(m);
    this.fileBytes = state.fileBytes;
    this.recordLines = state.recordLines;
    this.compactFloorBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    const clock = options.clock ?? systemClock;
    this.dropLog = new ThrottledLog(clock, DROP_LOG_INTERVAL_MS, (count) =>
      this.logger.warn(
        { dropped: count, droppedTotal: this.dropped, maxMessages: options.maxMessages },
        `outbox full: dropped ${count} oldest samples message(s) not yet acknowledged by the server`,
      ),
    );
    this.writeErrorLog = new ThrottledLog(clock, DROP_LOG_INTERVAL_MS, (count) =>
      this.logger.error(
        { failedWrites: count, error: this.lastWriteError, path: this.path },
        "outbox cannot write to disk: messages are kept in memory only and are lost if the agent dies",
      ),
    );
  }

  /**
   * Opens (or creates) the outbox in `dir` with synchronous I/O, meant to run once at agent
   * start. Recovers from a killed agent: a torn last line is ignored, a corrupt line is
   * skipped, and exactly the unacknowledged messages come back.
   */
  static open(options: OutboxOptions): Outbox {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) {
      throw new Error(`outbox maxMessages must be a positive integer, got ${options.maxMessages}`);
    }
    const logger = options.logger.child({ component: "outbox" });
    mkdirSync(options.dir, { recursive: true });
    const path = join(options.dir, OUTBOX_FILE);
    // A leftover temporary file is an interrupted compaction; the real file is intact.
    rmSync(`${path}.tmp`, { force: true });

    if (!existsSync(path)) {
      const header: Header = { outboxId: randomUUID(), lastSeq: 0, ackedSeq: 0 };
      const fileBytes = writeFileAtomically(path, [JSON.stringify(header)]);
      logger.info({ path, outboxId: header.outboxId }, "created a new outbox");
      const fd = openSync(path, "a");
      return new Outbox(options, logger, { path, fd, header, messages: [], fileBytes, recordLines: 0 });
    }
    return Outbox.recover(options, logger, path);
  }

  private static recover(options: OutboxOptions, logger: Logger, path: string): Outbox {
    const content = readFileSync(path);
    let end = content.length;
    let tail: string | null = null;
    const lastNewline = content.lastIndexOf(0x0a);
    if (lastNewline + 1 < content.length) {
      tail = content.subarray(lastNewline + 1).toString("utf8");
      end = lastNewline + 1;
    }
    const lines = content.subarray(0, end).toString("utf8").split("\n");
    lines.pop(); // the empty string after the final newline
    if (tail !== null) lines.push(tail);

    let header = lines.length > 0 ? parseHeader(lines[0]!) : null;
    const headerValid = header !== null;
    if (!header) {
      // Without the header the old outboxId is unknown; a new one makes the server accept the
      // recovered messages afresh (at worst a duplicate, never a loss).
      header = { outboxId: randomUUID(), lastSeq: 0, ackedSeq: 0 };
      if (content.length > 0) {
        logger.warn({ path, outboxId: header.outboxId }, "outbox header (line 1) is unreadable: starting a new outboxId and keeping the messages that can be read");
      }
    }

    const pending = new Map<number, OutboxMessage>();
    let lastMessageSeq = 0;
    let tornTail = false;
    let tailValid = false;
    for (let i = headerValid ? 1 : 0; i < lines.length; i++) {
      const text = lines[i]!;
      const isTail = tail !== null && i === lines.length - 1;
      if (text.trim() === "") continue;
      const record = parseRecord(text);
      if (typeof record === "string") {
        if (isTail) {
          tornTail = true;
          logger.warn({ path, line: i + 1 }, `outbox: ignoring torn last line ${i + 1} (the agent was stopped mid-write): ${record}`);
        } else {
          logger.warn({ path, line: i + 1 }, `outbox: skipping corrupt line ${i + 1}: ${record}`);
        }
        continue;
      }
      if (isTail) tailValid = true;
      if ("seq" in record) {
        if (record.seq <= lastMessageSeq) {
          logger.warn({ path, line: i + 1 }, `outbox: skipping line ${i + 1}: seq ${record.seq} does not follow seq ${lastMessageSeq}`);
          continue;
        }
        lastMessageSeq = record.seq;
        header.lastSeq = Math.max(header.lastSeq, record.seq);
        if (record.seq > header.ackedSeq) pending.set(record.seq, { ...record.msg, seq: record.seq } as OutboxMessage);
      } else if ("ack" in record) {
        header.ackedSeq = Math.max(header.ackedSeq, record.ack);
        header.lastSeq = Math.max(header.lastSeq, record.ack);
        for (const seq of pending.keys()) {
          if (seq > header.ackedSeq) break;
          pending.delete(seq);
        }
      } else {
        pending.delete(record.drop);
      }
    }

    // A header that is the whole file and lacks its newline still needs one before the next line.
    if (tail !== null && lines.length === 1 && headerValid) tailValid = true;
    let fileBytes = content.length;
    if (tornTail) {
      truncateSync(path, end);
      fileBytes = end;
    }
    const fd = openSync(path, "a");
    if (tailValid) fileBytes += writeAll(fd, "\n");
    const recordLines = Math.max(0, lines.length - (headerValid ? 1 : 0) - (tornTail ? 1 : 0));
    const outbox = new Outbox(options, logger, { path, fd, header, messages: [...pending.values()], fileBytes, recordLines });
    if (!headerValid) outbox.compact();
    logger.info(
      { path, outboxId: header.outboxId, pending: pending.size, lastSeq: header.lastSeq, ackedSeq: header.ackedSeq },
      "opened outbox",
    );
    return outbox;
  }

  /** Identifies this outbox file; seqs are unique within it. */
  get outboxId(): string {
    return this.id;
  }

  /** The highest seq assigned so far (0 for a new outbox). */
  get lastSeq(): number {
    return this.seqCounter;
  }

  /** The highest seq the server has acknowledged. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Messages dropped to keep the bound since this outbox was opened. */
  get droppedTotal(): number {
    return this.dropped;
  }

  size(): number {
    return this.pendingBySeq.size;
  }

  /** Pending messages with seq > afterSeq, in seq order: what to (re)send. Do not mutate them. */
  pending(afterSeq = 0): OutboxMessage[] {
    const out: OutboxMessage[] = [];
    for (const [seq, message] of this.pendingBySeq) if (seq > afterSeq) out.push(message);
    return out;
  }

  /**
   * Numbers the message with the next seq and writes it to disk before returning it. If the
   * disk write fails the message is still kept (and sent) from memory, and the failure logged.
   */
  append(message: UnsequencedMessage): OutboxMessage {
    this.assertOpen();
    let droppedNow = 0;
    while (this.pendingBySeq.size >= this.options.maxMessages) {
      const oldestSamples = this.pendingSamples.values().next();
      if (oldestSamples.done) break;
      this.forget(oldestSamples.value);
      this.writeLine(JSON.stringify({ drop: oldestSamples.value }));
      droppedNow++;
    }
    if (this.pendingBySeq.size >= this.options.maxMessages && !this.warnedOverBound) {
      this.warnedOverBound = true;
      this.logger.warn(
        { pending: this.pendingBySeq.size + 1, maxMessages: this.options.maxMessages },
        "outbox is over its bound with no samples left to drop: keeping every event until the server acknowledges them",
      );
    }

    const sequenced = { ...message, seq: ++this.seqCounter } as OutboxMessage;
    this.writeLine(messageLine(sequenced));
    this.remember(sequenced);

    if (droppedNow > 0) {
      this.dropped += droppedNow;
      this.dropLog.note(droppedNow);
      this.maybeCompact();
      try {
        this.options.onDrop?.(droppedNow);
      } catch (err) {
        this.logger.error({ err }, "outbox onDrop callback failed");
      }
    }
    return sequenced;
  }

  /** The server stored every message with seq <= `seq`: forget them, on disk too. */
  ack(seq: number): void {
    this.assertOpen();
    if (!isCount(seq)) {
      this.logger.warn({ seq }, "outbox: ignoring an ack that is not a non-negative integer");
      return;
    }
    if (seq <= this.acked) return;
    if (seq > this.seqCounter) {
      // The server has seen seqs of this outboxId that we never assigned (e.g. an old copy of
      // the file was restored): new messages must get seqs above them, or the server's
      // de-duplication would silently discard them.
      this.logger.warn({ ack: seq, lastSeq: this.seqCounter }, "outbox: server acknowledged beyond our last seq; continuing numbering after it");
      this.seqCounter = seq;
    }
    this.acked = seq;
    for (const pendingSeq of this.pendingBySeq.keys()) {
      if (pendingSeq > seq) break;
      this.forget(pendingSeq);
    }
    this.writeLine(JSON.stringify({ ack: seq }));
    if (this.pendingBySeq.size < this.options.maxMessages) this.warnedOverBound = false;
    this.maybeCompact();
  }

  /** Closes the file; pending messages stay on disk for the next open. */
  close(): void {
    if (this.fd === null) return;
    this.dropLog.flush();
    this.writeErrorLog.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  private assertOpen(): void {
    if (this.fd === null) throw new Error(`outbox ${this.path} is closed`);
  }

  private remember(message: OutboxMessage): void {
    this.pendingBySeq.set(message.seq, message);
    if (message.type === "samples") this.pendingSamples.add(message.seq);
  }

  private forget(seq: number): void {
    this.pendingBySeq.delete(seq);
    this.pendingSamples.delete(seq);
  }

  private writeLine(line: string): void {
    const text = `${this.needsNewline ? "\n" : ""}${line}\n`;
    try {
      this.fileBytes += writeAll(this.fd!, text);
      this.recordLines++;
      this.needsNewline = false;
    } catch (err) {
      this.needsNewline = true;
      this.lastWriteError = (err as Error).message;
      this.writeErrorLog.note(1);
    }
  }

  private maybeCompact(): void {
    const due = shouldCompact({
      fileBytes: this.fileBytes,
      recordLines: this.recordLines,
      pendingCount: this.pendingBySeq.size,
      minBytes: this.compactFloorBytes,
    });
    if (due) this.compact();
  }

  /** Rewrites the file with only the pending messages, keeping outboxId, seq counter and ack level. */
  private compact(): void {
    const header: Header = { outboxId: this.id, lastSeq: this.seqCounter, ackedSeq: this.acked };
    const lines = [JSON.stringify(header)];
    for (const message of this.pendingBySeq.values()) lines.push(messageLine(message));
    const before = this.fileBytes;
    try {
      this.fileBytes = writeFileAtomically(this.path, lines);
    } catch (err) {
      // Keep appending to the old file; try again only once it has grown much further, so a
      // full disk does not turn every ack into a failed rewrite.
      this.compactFloorBytes = Math.max(this.compactFloorBytes, before * 2);
      this.logger.error({ err, path: this.path }, "outbox compaction failed; keeping the uncompacted file");
      return;
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = openSync(this.path, "a");
    this.recordLines = lines.length - 1;
    this.needsNewline = false;
    this.logger.debug({ path: this.path, bytesBefore: before, bytesAfter: this.fileBytes, pending: this.pendingBySeq.size }, "compacted outbox");
  }
}

/** Writes tmp, fsyncs, renames over `path`, fsyncs the directory; returns the bytes written. */
function writeFileAtomically(path: string, lines: string[]): number {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  let bytes = 0;
  try {
    let chunk = "";
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= 1 << 20) {
        bytes += writeAll(fd, chunk);
        chunk = "";
      }
    }
    bytes += writeAll(fd, chunk);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDirectory(dirname(path));
  return bytes;
}

/** Makes the rename durable; some platforms cannot open a directory, which is then skipped. */
function fsyncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // best effort: the rename itself is atomic either way
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
