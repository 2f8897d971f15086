// Writing data to stdout with back-pressure, and noticing when the reader has gone away
// (`tml consume t | head -3` closes the pipe: that is a normal end, not an error).

export class Output {
  #closed = false;
  #closedListeners: Array<() => void> = [];

  constructor(private readonly stream: NodeJS.WritableStream) {
    // EPIPE (the reader has gone) or any other write failure: nothing more can be written.
    stream.on('error', () => this.#markClosed());
  }

  /** True once the reader of stdout has gone away. */
  get closed(): boolean {
    return this.#closed;
  }

  onClosed(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closedListeners.push(listener);
  }

  /** Writes `text`; resolves when the stream can take more (or at once if the reader has gone). */
  async write(text: string): Promise<void> {
    if (this.#closed || text.length === 0) return;
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.onClosed(done);
    });
  }

  async line(text: string): Promise<void> {
    await this.write(text + '\n');
  }

  /** Pretty-printed JSON followed by a newline. */
  async json(value: unknown): Promise<void> {
    await this.write(JSON.stringify(value, null, 2) + '\n');
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#closedListeners.splice(0)) listener();
  }
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 0.0042 → "4 ms", 12.345 → "12.3 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map(String));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
