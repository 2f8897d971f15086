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
import { Body, compileKernels, type CompiledKernels, F64, V128, type WasmApi } from './wasm-module.js';

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

/** Where `scan` reads its f64 settings, in bytes from its `settings` offset. */
export const SCAN_SETTINGS = {
  g: 0,
  h: 8,
  countLimit: 16,
  parentScore: 24,
  l2: 32,
  minLeaf: 40,
  minWeight: 48,
  bestGain: 56,
};
/** `scan`'s records: lane 1's start this many bytes after lane 0's; the two counts (i32) follow them. */
export const SCAN_LANE_BYTES = 256 * 32;

/**
 * scan(a, b, minusA, minusB, bins, settings, out): the split scan of two features at once, one per
 * f64x2 lane, over the histograms at byte offsets a and b (bins bins each; [Σg, Σh, count] per bin).
 * With `subtract`, each bin first becomes itself minus the bin at minusA / minusB (written back,
 * exact zero sums where the count is 0), as grow.ts's subtractAndScan. Each lane keeps the running
 * sums gl, hl, cl of its feature, added in bin order as the scalar scan adds them, and applies the
 * scalar scan's tests (rows and hessian per side, the division-free test against the best gain so
 * far, then the exact gain); each bin a lane accepts is written to `out` as [bin, gl, hl, cl]
 * (lane 0 at out, lane 1 at out + SCAN_LANE_BYTES, their counts as i32 after). Each lane's best gain
 * starts at the settings' bestGain: lane 0 finds exactly the scalar scan's accepted bins, lane 1 a
 * superset of them (the scalar one has also seen lane 0's feature), which the caller replays.
 */
function scanSource(subtract: boolean): Body {
  const b = new Body(7);
  const [pa, pb, ma, mb, bins, settings, out] = [0, 1, 2, 3, 4, 5, 6];
  const bin = b.local(I32);
  const last = b.local(I32);
  const countA = b.local(I32);
  const countB = b.local(I32);
  const at = b.local(I32);
  const ca = b.local(F64);
  const cb = b.local(F64);
  const v = (): number => b.local(V128);
  const [gl, hl, cl, hr, gr, dl, dr, gha, ghb, mask, ls, rs, gain, accept] = [
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
  ];
  const [gs, hs, limit, ps, l2, minLeaf, minWeight, best, threshold, k, tiny] = [
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
    v(),
  ];
  const zero = v(); // never set
  const splat = (offset: number, local: number): void => {
    b.get(settings).f64Load(offset).f64x2Splat().set(local);
  };
  splat(SCAN_SETTINGS.g, gs);
  splat(SCAN_SETTINGS.h, hs);
  splat(SCAN_SETTINGS.countLimit, limit);
  splat(SCAN_SETTINGS.parentScore, ps);
  splat(SCAN_SETTINGS.l2, l2);
  splat(SCAN_SETTINGS.minLeaf, minLeaf);
  splat(SCAN_SETTINGS.minWeight, minWeight);
  splat(SCAN_SETTINGS.bestGain, best);
  b.f64Const(1 - 1e-12)
    .f64x2Splat()
    .set(k);
  b.f64Const(1e-10).f64x2Splat().set(tiny);
  b.get(best).get(ps).f64x2Add().set(threshold);
  b.get(bins).i32(-1).add().set(last);
  b.whileLoop(
    (c) => c.get(bin).get(last).lessThan(),
    (c) => {
      for (const [p, m, count, gh] of [
        [pa, ma, ca, gha],
        [pb, mb, cb, ghb],
      ]) {
        if (subtract) {
          c.get(p).f64Load(16).get(m).f64Load(16).f64Sub().set(count);
          c.get(p).get(count).f64Store(16);
          c.get(zero).get(p).v128Load().get(m).v128Load().f64x2Sub();
          c.get(count).f64Const(0).f64Equal().v128Select().set(gh);
          c.get(p).get(gh).v128Store();
        } else {
          c.get(p).f64Load(16).set(count);
          c.get(p).v128Load().set(gh);
        }
      }
      const low = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
      c.get(gl).get(gha).get(ghb).shuffle(low).f64x2Add().set(gl);
      c.get(hl)
        .get(gha)
        .get(ghb)
        .shuffle(low.map((x) => x + 8))
        .f64x2Add()
        .set(hl);
      c.get(cl).get(ca).f64x2Splat().get(cb).f64x2ReplaceLane(1).f64x2Add().set(cl);
      c.get(hs).get(hl).f64x2Sub().set(hr);
      c.get(gs).get(gl).f64x2Sub().set(gr);
      c.get(hl).get(l2).f64x2Add().set(dl);
      c.get(hr).get(l2).f64x2Add().set(dr);
      // cl ≥ minLeaf, cl ≤ count − minLeaf, hl ≥ minWeight, hr ≥ minWeight, and not
      // gl²·dr + gr²·dl ≤ threshold·dl·dr·(1 − 1e-12), each as the scalar scan computes it.
      c.get(cl).get(minLeaf).f64x2GreaterEqual();
      c.get(cl).get(limit).f64x2LessEqual().v128And();
      c.get(hl).get(minWeight).f64x2GreaterEqual().v128And();
      c.get(hr).get(minWeight).f64x2GreaterEqual().v128And();
      c.get(gl).get(gl).f64x2Mul().get(dr).f64x2Mul();
      c.get(gr).get(gr).f64x2Mul().get(dl).f64x2Mul().f64x2Add();
      c.get(threshold).get(dl).f64x2Mul().get(dr).f64x2Mul().get(k).f64x2Mul();
      c.f64x2LessEqual().v128Not().v128And().set(mask);
      c.get(mask)
        .v128AnyTrue()
        .when((w) => {
          w.get(gl).get(gl).f64x2Mul().get(dl).f64x2Div().set(ls);
          w.get(gr).get(gr).f64x2Mul().get(dr).f64x2Div().set(rs);
          w.get(ls).get(rs).f64x2Add().get(ps).f64x2Sub().set(gain);
          w.get(mask).get(gain).get(best).f64x2Greater().v128And();
          w.get(gain).get(tiny).get(ls).get(rs).f64x2Add().get(ps).f64x2Add().f64x2Mul().f64x2Greater();
          w.v128And().set(accept);
          w.get(gain).get(best).get(accept).v128Bitselect().set(best);
          w.get(best).get(ps).f64x2Add().set(threshold);
          for (const [lane, count, base] of [
            [0, countA, 0],
            [1, countB, SCAN_LANE_BYTES],
          ] as const) {
            w.get(accept)
              .i64x2ExtractLane(lane)
              .i64EqualZero()
              .i32EqualZero()
              .when((x) => {
                x.get(out).get(count).i32(32).mul().add().set(at);
                x.get(at).get(bin).f64FromI32().f64Store(base);
                x.get(at)
                  .get(gl)
                  .f64x2ExtractLane(lane)
                  .f64Store(base + 8);
                x.get(at)
                  .get(hl)
                  .f64x2ExtractLane(lane)
                  .f64Store(base + 16);
                x.get(at)
                  .get(cl)
                  .f64x2ExtractLane(lane)
                  .f64Store(base + 24);
                x.increment(count, 1);
              });
          }
        });
      for (const p of [pa, pb, ma, mb]) c.increment(p, 24);
      c.increment(bin, 1);
    },
  );
  b.get(out)
    .get(countA)
    .i32Store(2 * SCAN_LANE_BYTES);
  b.get(out)
    .get(countB)
    .i32Store(2 * SCAN_LANE_BYTES + 4);
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
  /** See scanSource; (a, b, _, _, bins, settings, out). */
  readonly scan: Kernel;
  /** See scanSource, with the subtraction. */
  readonly subtractScan: Kernel;
}

const PAGE_BYTES = 65_536;
/** Larger needs (very wide windows) keep the scalar loops rather than pin that much memory. */
export const MAX_ARENA_BYTES = 256 * 1024 * 1024;

let compiled: CompiledKernels | null | undefined;
let arena: HistogramArena | null = null;
let owner: object | null = null;

function compile(): CompiledKernels | null {
  return compileKernels([
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
    { name: 'removeRows', parameters: 7, body: histogramSource({ add: false, counts: false, remove: true }) },
    { name: 'scan', parameters: 7, body: scanSource(false) },
    { name: 'subtractScan', parameters: 7, body: scanSource(true) },
  ]);
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
    scan: exports.scan,
    subtractScan: exports.subtractScan,
  };
}

/** What releaseLargeArena keeps: the usual windows' histograms (~11 MB at 5,000 × 50 for GBDT). */
const KEPT_BYTES = 32 * 1024 * 1024;

/** After a fit: lets go of a memory over KEPT_BYTES (a very wide window's), keeping a usual one. */
export function releaseLargeArena(): void {
  if (arena !== null && arena.buffer.byteLength > KEPT_BYTES) {
    arena = null;
    owner = null;
  }
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
