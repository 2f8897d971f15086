// The grower's histograms in the WebAssembly SIMD kernels' memory (simd/histogram-kernels.ts):
// histogram slots, the window's bin codes and a node's rows with their (g, h) pairs, laid out in
// one memory that the grower takes at the start of each tree. A histogram handed out here is a
// Float64Array view of that memory, so the scans in grow.ts read it as any other; the builds run
// in the kernels when every histogram involved is such a view (else the grower's scalar loops run:
// the same sums either way).
import { takeArena, type HistogramArena } from '../../simd/histogram-kernels.js';
import type { BinnedWindow } from './binning.js';
import { scanInKernel, type ScanBest, type ScanLayout, type ScanLimits, type ScanNode } from './scan-simd.js';

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

export class SimdHistograms implements ScanLayout {
  private current: HistogramArena | undefined;
  private readonly buffers = new WeakSet<ArrayBuffer>();
  private handedOut = 0;
  private readonly tableAt: number;
  private readonly rowsAt: number;
  private readonly ghAt: number;
  private readonly slotsAt: number;
  readonly settingsAt: number;
  readonly outAt: number;
  readonly zerosAt: number;
  private readonly slotBytes: number;
  private readonly bytes: number;

  constructor(
    private readonly binned: BinnedWindow,
    private readonly active: Int32Array,
    private readonly histogramLength: number,
    private readonly slots: number,
  ) {
    const { rows, features } = binned;
    this.tableAt = align(rows * features);
    this.rowsAt = this.tableAt + align(8 * active.length);
    this.ghAt = this.rowsAt + align(4 * rows);
    this.settingsAt = this.ghAt + 16 * rows;
    this.outAt = this.settingsAt + 128;
    this.zerosAt = this.outAt + align(2 * 256 * 32 + 8);
    this.slotsAt = this.zerosAt + 256 * 24;
    this.slotBytes = align(8 * histogramLength);
    this.bytes = this.slotsAt + slots * this.slotBytes;
  }

  /**
   * Takes the kernels' memory for a new tree (the grower holds no histogram in use then). Answers
   * true when histograms handed out earlier are no longer this grower's: the grower drops them.
   */
  take(): boolean {
    const taken = takeArena(this, this.bytes);
    if (taken === undefined) {
      const lost = this.current !== undefined;
      this.current = undefined;
      return lost;
    }
    if (!taken.fresh) return false;
    const { arena } = taken;
    const lost = this.current !== undefined;
    this.current = arena;
    this.buffers.add(arena.buffer);
    this.handedOut = 0;
    const { binned, active } = this;
    arena.bytes.set(binned.codes.subarray(0, binned.rows * binned.features), 0);
    const table = this.tableAt / 4;
    for (let t = 0; t < active.length; t++) {
      const f = active[t];
      arena.i32[table + 2 * t] = f * binned.rows;
      arena.i32[table + 2 * t + 1] = binned.binOffset[f] * 24;
    }
    return lost;
  }

  /** Whether `hist` was handed out by this object (now or from an arena taken since). */
  made(hist: Float64Array): boolean {
    return this.buffers.has(hist.buffer as ArrayBuffer);
  }

  /** Removes from `free` the histograms made here (after take() answered true); answers how many. */
  dropMade(free: Float64Array[]): number {
    const before = free.length;
    let kept = 0;
    for (const hist of free) if (!this.made(hist)) free[kept++] = hist;
    free.length = kept;
    return before - kept;
  }

  /** A new histogram in the kernels' memory, or null when every slot is out. */
  slot(): Float64Array | null {
    const arena = this.current;
    if (arena === undefined || this.handedOut >= this.slots) return null;
    const at = this.slotsAt + this.handedOut++ * this.slotBytes;
    return new Float64Array(arena.buffer, at, this.histogramLength);
  }

  /**
   * hist (zeroed by the caller) += the rows idx[start, end) with their counts (`counts`) or
   * without. False (nothing done) when hist is not in the kernels' memory.
   */
  build(
    hist: Float64Array,
    idx: Uint32Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
    counts: boolean,
  ): boolean {
    const kernel = counts ? 'histogram' : 'histogramSums';
    return this.pass(kernel, hist, hist, idx, start, end, gradient, hessian, hist.byteOffset, 0);
  }

  /** build(hist, …, counts) and parent −= the same rows, in one pass; false when not possible. */
  buildRemoving(
    hist: Float64Array,
    parent: Float64Array,
    idx: Uint32Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): boolean {
    const [histAt, parentAt] = [hist.byteOffset, parent.byteOffset];
    return this.pass('histogramRemoving', hist, parent, idx, start, end, gradient, hessian, histAt, parentAt);
  }

  /** parent −= the rows idx[start, end); false when not possible. */
  removeRows(
    parent: Float64Array,
    idx: Uint32Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): boolean {
    return this.pass('removeRows', parent, parent, idx, start, end, gradient, hessian, 0, parent.byteOffset);
  }

  /**
   * The split scan of every active feature of `hist` (minus `minus` first, written back), in the
   * kernel (scan-simd.ts); false (nothing done) when a histogram is not in the kernels' memory.
   */
  scan(
    hist: Float64Array,
    minus: Float64Array | null,
    node: ScanNode,
    limits: ScanLimits,
    best: ScanBest,
  ): boolean {
    const arena = this.usable(hist, minus ?? hist, 0);
    if (arena === undefined) return false;
    const { binCount, binOffset } = this.binned;
    const minusAt = minus === null ? -1 : minus.byteOffset;
    scanInKernel(arena, this, hist.byteOffset, minusAt, this.active, binCount, binOffset, node, limits, best);
    return true;
  }

  /**
   * One histogram kernel over the rows idx[start, end) (copied into the kernels' memory first),
   * adding to the histogram at byte `histAt` and removing from the one at `parentAt`, as the
   * kernel does; false (nothing done) when `a` or `b` is not in the kernels' memory.
   */
  private pass(
    kernel: 'histogram' | 'histogramSums' | 'histogramRemoving' | 'removeRows',
    a: Float64Array,
    b: Float64Array,
    idx: Uint32Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
    histAt: number,
    parentAt: number,
  ): boolean {
    const arena = this.usable(a, b, end - start);
    if (arena === undefined) return false;
    this.copyRows(arena, idx, start, end, gradient, hessian);
    arena[kernel](this.rowsAt, this.ghAt, end - start, this.tableAt, this.active.length, histAt, parentAt);
    return true;
  }

  private usable(a: Float64Array, b: Float64Array, n: number): HistogramArena | undefined {
    const arena = this.current;
    if (arena === undefined || a.buffer !== arena.buffer || b.buffer !== arena.buffer) return undefined;
    return n <= this.binned.rows ? arena : undefined;
  }

  /** The node's rows and their (g, h) pairs (h = 1 without hessians) into the kernels' memory. */
  private copyRows(
    arena: HistogramArena,
    idx: Uint32Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): void {
    const { u32, f64 } = arena;
    const rows = this.rowsAt / 4;
    let pair = this.ghAt / 8;
    for (let i = start; i < end; i++, pair += 2) {
      const r = idx[i];
      u32[rows + i - start] = r;
      f64[pair] = gradient[r];
      f64[pair + 1] = hessian === null ? 1 : hessian[r];
    }
  }
}
