// WebAssembly SIMD kernels for the gradient histograms of the tree learners (trees/grow.ts through
// trees/histogram-simd.ts). A histogram bin is [Σg, Σh, count] (three doubles); the kernels add a
// row's (g, h) pair to its bin with one f64x2 load, add and store instead of two scalar ones, and
// read the bin codes and row indices without JavaScript's bounds checks. Each lane adds the same
// values in the same row order as the scalar loops, so the sums are the same bits.
//
// Unlike kernels.ts, whose one memory is shared by calls that copy their operands in and out, the
// histograms live in this memory between calls (the grower scans them from JavaScript through
// views), so it has an owner: one grower at a time, which takes it back (and copies its bin codes
// in again) after another grower has used it.
import { simdEnabled } from './kernels.js';
import { assemble, Body, F64, V128 } from './wasm-module.js';

const I32 = 0x7f;

interface Variant {
  /** Add each row's (g, h) to `hist`. */
  add: boolean;
  /** Also add 1 to each bin's count (else the caller knows the counts). */
  counts: boolean;
  /** Subtract each row's (g, h) and 1 from `parent`, zeroing a bin left with no rows. */
  remove: boolean;
}

/**
 * (rows, gh, n, table, features, hist, parent), all byte offsets or counts: for the n node rows
 * r = u32 at rows + 4i with (g, h) the f64 pair at gh + 16i, and each feature t < features with
 * (codes, offset) the i32 pair at table + 8t, the bin at byte k = offset + 24·u8[codes + r] gets
 * hist[k] += (g, h) (and hist[k + 16] += 1) and/or parent[k] −= (g, h), parent[k + 16] −= 1 (both
 * sums exactly 0 when that count reaches 0). Rows in order; four features per pass over the rows
 * (their bins stay in L1), then one at a time.
 */
function histogramSource(variant: Variant): Body {
  const b = new Body(7);
  const [rows, gh, n, table, features, hist, parent] = [0, 1, 2, 3, 4, 5, 6];
  const a = b.local(I32);
  const i = b.local(I32);
  const r = b.local(I32);
  const rowAt = b.local(I32);
  const ghAt = b.local(I32);
  const tableAt = b.local(I32);
  const at = b.local(I32);
  const code = b.local(I32);
  const codeBase = [b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const histBase = [b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const parentBase = [b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const count = b.local(F64);
  const pair = b.local(V128);
  const zero = b.local(V128); // never set: locals start at zero
  for (const width of [4, 1]) {
    b.whileLoop(
      (c) =>
        c
          .get(a)
          .i32(width - 1)
          .add()
          .get(features)
          .lessThan(),
      (c) => {
        c.get(table).get(a).i32(8).mul().add().set(tableAt);
        for (let m = 0; m < width; m++) {
          c.get(tableAt)
            .i32Load(8 * m)
            .set(codeBase[m]);
          if (variant.add)
            c.get(hist)
              .get(tableAt)
              .i32Load(8 * m + 4)
              .add()
              .set(histBase[m]);
          if (variant.remove)
            c.get(parent)
              .get(tableAt)
              .i32Load(8 * m + 4)
              .add()
              .set(parentBase[m]);
        }
        c.get(rows).set(rowAt);
        c.get(gh).set(ghAt);
        c.i32(0).set(i);
        c.whileLoop(
          (w) => w.get(i).get(n).lessThan(),
          (w) => {
            w.get(rowAt).i32Load().set(r);
            w.get(ghAt).v128Load().set(pair);
            for (let m = 0; m < width; m++) {
              w.get(codeBase[m]).get(r).add().u8Load().i32(24).mul().set(code);
              if (variant.add) {
                w.get(histBase[m]).get(code).add().set(at);
                w.get(at).get(at).v128Load().get(pair).f64x2Add().v128Store();
                if (variant.counts) w.get(at).get(at).f64Load(16).f64Const(1).f64Add().f64Store(16);
              }
              if (variant.remove) {
                w.get(parentBase[m]).get(code).add().set(at);
                w.get(at).f64Load(16).f64Const(1).f64Sub().set(count);
                w.get(at).get(count).f64Store(16);
                w.get(at)
                  .get(zero)
                  .get(at)
                  .v128Load()
                  .get(pair)
                  .f64x2Sub()
                  .get(count)
                  .f64Const(0)
                  .f64Equal()
                  .v128Select()
                  .v128Store();
              }
            }
            w.increment(rowAt, 4);
            w.increment(ghAt, 16);
            w.increment(i, 1);
          },
        );
        c.increment(a, width);
      },
    );
  }
  return b;
}

type Kernel = (
  rows: number,
  gh: number,
  n: number,
  table: number,
  features: number,
  hist: number,
  parent: number,
) => void;

export interface HistogramArena {
  readonly buffer: ArrayBuffer;
  readonly bytes: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Adds rows to `hist` with their counts. */
  readonly histogram: Kernel;
  /** Adds rows' (g, h) to `hist` without counts (the caller copies known counts). */
  readonly histogramSums: Kernel;
  /** Adds rows to `hist` and removes them from `parent` in one pass. */
  readonly histogramRemoving: Kernel;
  /** Removes rows from `parent` (`hist` unused). */
  readonly removeRows: Kernel;
}

// The few WebAssembly names used here (see kernels.ts).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

const PAGE_BYTES = 65_536;
/** Larger needs (very wide windows) keep the scalar loops rather than pin that much memory. */
export const MAX_ARENA_BYTES = 256 * 1024 * 1024;

let compiled: { wasm: WasmApi; module: object } | null | undefined;
let arena: HistogramArena | null = null;
let owner: object | null = null;

function compile(): { wasm: WasmApi; module: object } | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const bytes = assemble([
      { name: 'histogram', parameters: 7, body: histogramSource({ add: true, counts: true, remove: false }) },
      {
        name: 'histogramSums',
        parameters: 7,
        body: histogramSource({ add: true, counts: false, remove: false }),
      },
      {
        name: 'histogramRemoving',
        parameters: 7,
        body: histogramSource({ add: true, counts: true, remove: true }),
      },
      {
        name: 'removeRows',
        parameters: 7,
        body: histogramSource({ add: false, counts: false, remove: true }),
      },
    ]);
    if (!wasm.validate(bytes)) return null;
    return { wasm, module: new wasm.Module(bytes) };
  } catch {
    return null;
  }
}

function instantiate(wasm: WasmApi, module: object, bytes: number): HistogramArena {
  // A new memory of the size needed, never memory.grow(): growing detaches the old ArrayBuffer,
  // which slows every typed-array access of the process afterwards (see kernels.ts).
  const memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
  const exports = new wasm.Instance(module, { env: { memory } }).exports as unknown as Record<string, Kernel>;
  const buffer = memory.buffer;
  return {
    buffer,
    bytes: new Uint8Array(buffer),
    u32: new Uint32Array(buffer),
    i32: new Int32Array(buffer),
    f64: new Float64Array(buffer),
    histogram: exports.histogram,
    histogramSums: exports.histogramSums,
    histogramRemoving: exports.histogramRemoving,
    removeRows: exports.removeRows,
  };
}

/**
 * The histogram memory for `by`, of at least `bytes` bytes, or undefined where WebAssembly SIMD is
 * unavailable (or off: withoutSimd) or the size is over MAX_ARENA_BYTES. `fresh` says its contents
 * are not what `by` left there: another owner used it since, or it is new.
 */
export function takeArena(by: object, bytes: number): { arena: HistogramArena; fresh: boolean } | undefined {
  if (!simdEnabled() || bytes > MAX_ARENA_BYTES) return undefined;
  if (compiled === undefined) compiled = compile();
  if (compiled === null) return undefined;
  if (arena !== null && owner === by && arena.buffer.byteLength >= bytes) return { arena, fresh: false };
  if (arena === null || arena.buffer.byteLength < bytes)
    arena = instantiate(compiled.wasm, compiled.module, bytes);
  owner = by;
  return { arena, fresh: true };
}
