// One simulated agent's stream of samples messages, paced the way the agent's outbox paces
// them: each message gets the next seq, and at most `window` messages are unacknowledged at a
// time (acks come at the server's checkpoints, so the window must hold a few seconds of
// messages or the acks, not the server, set the rate). Frames go to the socket only as fast
// as it takes them (at most `inSocket` unwritten at a time), so memory stays bounded.
export interface SamplesPumpOptions {
  /** Messages sent and not yet acknowledged, at most. */
  window: number;
  /** Frames handed to the socket and not yet written, at most. */
  inSocket: number;
  /** The frame of message `seq`; called once per message, in seq order. */
  frame(seq: number): string | Buffer;
  /** Hands a frame to the socket; `written` once it is written (or failed). */
  send(frame: string | Buffer, written: (err?: Error) => void): void;
  /** Samples in each message (for the counters). */
  samplesPerMessage: number;
}

export interface PumpCounters {
  messagesSent: number;
  samplesSent: number;
  /** The highest seq acknowledged. */
  ackedSeq: number;
  /** Time spent with a full window (waiting for acks), ms. */
  windowFullMs: number;
}

export class SamplesPump {
  readonly counters: PumpCounters = { messagesSent: 0, samplesSent: 0, ackedSeq: 0, windowFullMs: 0 };
  private nextSeq = 1;
  private unwritten = 0;
  private running = false;
  private windowFullSince: number | null = null;
  private fillScheduled = false;

  constructor(private readonly o: SamplesPumpOptions) {}

  /** The server's welcome: it has everything up to `ackedSeq`; start (or go on) sending after it. */
  welcomed(ackedSeq: number): void {
    this.acked(ackedSeq);
    if (this.nextSeq <= ackedSeq) this.nextSeq = ackedSeq + 1;
    this.running = true;
    this.fill();
  }

  acked(seq: number): void {
    if (seq <= this.counters.ackedSeq) return;
    this.counters.ackedSeq = seq;
    if (this.windowFullSince !== null) {
      this.counters.windowFullMs += performance.now() - this.windowFullSince;
      this.windowFullSince = null;
    }
    this.fill();
  }

  stop(): void {
    this.running = false;
  }

  /** Window-full time so far, including a wait still going on. */
  windowFullMs(): number {
    return this.counters.windowFullMs + (this.windowFullSince === null ? 0 : performance.now() - this.windowFullSince);
  }

  /**
   * fill() after the event loop's next turn: a write's callback can come on the same tick
   * (a small frame fits the socket buffer), and filling from it directly would keep the loop
   * from reading acks and other sockets.
   */
  private fillSoon(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(() => {
      this.fillScheduled = false;
      this.fill();
    });
  }

  private fill(): void {
    while (this.running && this.unwritten < this.o.inSocket) {
      if (this.nextSeq - 1 - this.counters.ackedSeq >= this.o.window) {
        this.windowFullSince ??= performance.now();
        return;
      }
      const seq = this.nextSeq++;
      this.unwritten++;
      this.counters.messagesSent++;
      this.counters.samplesSent += this.o.samplesPerMessage;
      this.o.send(this.o.frame(seq), (err) => {
        this.unwritten--;
        if (err) this.running = false;
        else this.fillSoon();
      });
    }
  }
}
