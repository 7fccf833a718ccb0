// Progress for operations that take a while: a spinner with a label on stderr, shown only on a
// terminal and only once the operation has run for SHOW_AFTER_MS, then erased, so quick calls
// and scripts (stderr not a TTY) see nothing.

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
export const SHOW_AFTER_MS = 400;

export async function withProgress<T>(label: string, work: Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!stream.isTTY) return work;
  let frame = 0;
  let shown = false;
  const started = Date.now();
  const draw = () => {
    shown = true;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} (${seconds} s)\x1b[K`);
  };
  let ticker: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    ticker = setInterval(draw, 100);
  }, SHOW_AFTER_MS);
  try {
    return await work;
  } finally {
    clearTimeout(delay);
    if (ticker) clearInterval(ticker);
    if (shown) stream.write("\r\x1b[K");
  }
}
