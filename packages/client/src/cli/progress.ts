/**
 * A small progress bar for stderr: drawn only when stderr is a terminal and the command is not
 * in `--json` or `--quiet` mode, redrawn at most ten times a second with `\r`, erased when done.
 * Anywhere else it is a no-op, so piped and scripted runs see no control characters.
 */
export interface Progress {
  /** Adds `n` units (bytes) done. */
  tick(n: number): void;
  /** Sets the units done. */
  set(done: number): void;
  /** Erases the bar (the caller prints its own result line). */
  done(): void;
}

export const NO_PROGRESS: Progress = { tick() {}, set() {}, done() {} };

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${UNITS[u]}`;
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A bar on `stream` for `total` bytes (unknown total: a byte counter). */
export function progressBar(stream: ProgressStream, label: string, total: number | undefined, now: () => number = () => performance.now()): Progress {
  const started = now();
  let doneUnits = 0;
  let last = 0;
  let drawn = false;
  const draw = (force = false) => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    const secs = Math.max((t - started) / 1000, 0.001);
    const rate = `${formatBytes(Math.round(doneUnits / secs))}/s`;
    const width = Math.max(40, Math.min(stream.columns ?? 80, 120));
    let line: string;
    if (total && total > 0) {
      const frac = Math.min(doneUnits / total, 1);
      const tail = ` ${String(Math.floor(frac * 100)).padStart(3)}% ${formatBytes(doneUnits)}/${formatBytes(total)} ${rate}`;
      const barWidth = Math.max(10, width - label.length - tail.length - 4);
      const filled = Math.round(frac * barWidth);
      line = `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
    } else line = `${label} ${formatBytes(doneUnits)} ${rate}`;
    stream.write(`\r${line.slice(0, width - 1)}\x1b[K`);
    drawn = true;
  };
  return {
    tick(n) {
      doneUnits += n;
      draw();
    },
    set(d) {
      doneUnits = d;
      draw();
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
