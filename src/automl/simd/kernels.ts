// WebAssembly SIMD kernels for the dense products that dominate the wide windows: the Gram matrix
// XᵀX of the linear models (linear/gram.ts), the query × stored-row dot products of the k-NN scan
// (knn-blocked.ts) and the scores X·w, per-row losses (logistic-loss.ts) and gradient Xᵀr of the
// logistic L-BFGS passes (logistic-solver.ts). Plain JavaScript has no vector instructions and checks the bounds of
// every typed-array access; f64x2 does two multiply-adds per instruction without those checks.
// Each lane is IEEE double arithmetic, so the Gram kernel adds the same products in the same order
// as the scalar code and gives the same bits. Written here and assembled at run time by
// wasm-module.ts (nothing to build or fetch); where WebAssembly SIMD is unavailable `simdKernels()`
// answers undefined and the callers keep their scalar loops.
import { logLossSource } from './logistic-loss.js';
import { Body, compileKernels, V128 } from './wasm-module.js';

const I32_LOCAL = 0x7f;

/**
 * gram(d, groups, p, pp, g): for each group of four centred rows at byte offset d (row stride pp
 * doubles, pp even, columns p … pp − 1 zero), g[j][k] += ((a0·d0k + a1·d1k) + a2·d2k) + a3·d3k with
 * aₘ = dₘⱼ, for j < p and k from j rounded down to even up to pp (the upper triangle, two columns
 * per instruction; the one entry left of the diagonal is a by-product the caller ignores).
 */
function gramSource(): Body {
  const b = new Body(5);
  const [d, groups, p, pp, g] = [0, 1, 2, 3, 4];
  const rowBytes = b.local(I32_LOCAL);
  const group = b.local(I32_LOCAL);
  const base = b.local(I32_LOCAL);
  const j = b.local(I32_LOCAL);
  const kb = b.local(I32_LOCAL);
  const gRow = b.local(I32_LOCAL);
  const at = b.local(I32_LOCAL);
  const a = [b.local(V128), b.local(V128), b.local(V128), b.local(V128)];
  const t = b.local(V128);
  b.get(pp).i32(8).mul().set(rowBytes);
  b.get(d).set(base);
  b.whileLoop(
    (c) => c.get(group).get(groups).lessThan(),
    (c) => {
      c.i32(0).set(j);
      c.whileLoop(
        (w) => w.get(j).get(p).lessThan(),
        (w) => {
          // aₘ = splat(dₘⱼ)
          for (let m = 0; m < 4; m++) {
            w.get(base).get(j).i32(8).mul().add();
            for (let s = 0; s < m; s++) w.get(rowBytes).add();
            w.f64Load().f64x2Splat().set(a[m]);
          }
          // kb = (j & ~1)·8; gRow = g + j·rowBytes
          w.get(j).i32(-2).code.push(0x71); // i32.and
          w.i32(8).mul().set(kb);
          w.get(g).get(j).get(rowBytes).mul().add().set(gRow);
          w.whileLoop(
            (v) => v.get(kb).get(rowBytes).lessThan(),
            (v) => {
              v.get(base).get(kb).add().set(at);
              v.get(a[0]).get(at).v128Load().f64x2Mul().set(t);
              for (let m = 1; m < 4; m++) {
                v.get(at).get(rowBytes).add().set(at);
                v.get(t).get(a[m]).get(at).v128Load().f64x2Mul().f64x2Add().set(t);
              }
              v.get(gRow).get(kb).add().set(at);
              v.get(at).get(at).v128Load().get(t).f64x2Add().v128Store();
              v.increment(kb, 16);
            },
          );
          w.increment(j, 1);
        },
      );
      c.get(base).get(rowBytes).i32(4).mul().add().set(base);
      c.increment(group, 1);
    },
  );
  return b;
}

/**
 * dots(q, t, rows, pp, out): the dot products of four query rows at q with `rows` (even) stored rows
 * at t, all of stride pp doubles (pp even, padding zero): out[m·rows + i] = qₘ · tᵢ, two features
 * per instruction, four queries × two rows per pass over the features.
 */
function dotsSource(): Body {
  const b = new Body(5);
  const [q, train, rows, pp, out] = [0, 1, 2, 3, 4];
  const rowBytes = b.local(I32_LOCAL);
  const outStride = b.local(I32_LOCAL);
  const i = b.local(I32_LOCAL);
  const tRow = b.local(I32_LOCAL);
  const fb = b.local(I32_LOCAL);
  const at = b.local(I32_LOCAL);
  const o = b.local(I32_LOCAL);
  const zero = b.local(V128);
  const b0 = b.local(V128);
  const b1 = b.local(V128);
  const av = b.local(V128);
  const acc: number[] = [];
  for (let s = 0; s < 8; s++) acc.push(b.local(V128));
  b.get(pp).i32(8).mul().set(rowBytes);
  b.get(rows).i32(8).mul().set(outStride);
  b.get(train).set(tRow);
  b.whileLoop(
    (c) => c.get(i).get(rows).lessThan(),
    (c) => {
      for (const s of acc) c.get(zero).set(s);
      c.i32(0).set(fb);
      c.whileLoop(
        (w) => w.get(fb).get(rowBytes).lessThan(),
        (w) => {
          w.get(tRow).get(fb).add().v128Load().set(b0);
          w.get(tRow).get(fb).add().get(rowBytes).add().v128Load().set(b1);
          w.get(q).get(fb).add().set(at);
          for (let m = 0; m < 4; m++) {
            if (m > 0) w.get(at).get(rowBytes).add().set(at);
            w.get(at).v128Load().set(av);
            w.get(acc[2 * m])
              .get(av)
              .get(b0)
              .f64x2Mul()
              .f64x2Add()
              .set(acc[2 * m]);
            w.get(acc[2 * m + 1])
              .get(av)
              .get(b1)
              .f64x2Mul()
              .f64x2Add()
              .set(acc[2 * m + 1]);
          }
          w.increment(fb, 16);
        },
      );
      c.get(out).get(i).i32(8).mul().add().set(o);
      for (let m = 0; m < 4; m++) {
        if (m > 0) c.get(o).get(outStride).add().set(o);
        for (let s = 0; s < 2; s++) {
          const v = acc[2 * m + s];
          c.get(o)
            .get(v)
            .f64x2ExtractLane(0)
            .get(v)
            .f64x2ExtractLane(1)
            .f64Add()
            .f64Store(8 * s);
        }
      }
      c.increment(i, 2);
      c.get(tRow).get(rowBytes).get(rowBytes).add().add().set(tRow);
    },
  );
  return b;
}

/**
 * scores(xi, quads, p, w, z): z = X·w + w[p] for rows stored two at a time interleaved at xi
 * (x₀₀, x₁₀, x₀₁, x₁₁, …: one pair's p features × 2 rows), four pairs per pass over the features
 * (`quads` of them; eight rows), each lane summing its row's products feature after feature from
 * the intercept, as the scalar loop does.
 */
function scoresSource(): Body {
  const b = new Body(5);
  const [xi, quads, p, w, z] = [0, 1, 2, 3, 4];
  const quad = b.local(I32_LOCAL);
  const row = b.local(I32_LOCAL);
  const jb = b.local(I32_LOCAL);
  const end = b.local(I32_LOCAL);
  const pairBytes = b.local(I32_LOCAL);
  const at = b.local(I32_LOCAL);
  const wj = b.local(V128);
  const acc = [b.local(V128), b.local(V128), b.local(V128), b.local(V128)];
  b.get(xi).set(row);
  b.get(p).i32(8).mul().set(end);
  b.get(end).get(end).add().set(pairBytes);
  b.whileLoop(
    (c) => c.get(quad).get(quads).lessThan(),
    (c) => {
      c.get(w).get(end).add().f64Load().f64x2Splat().set(acc[0]);
      for (let m = 1; m < 4; m++) c.get(acc[0]).set(acc[m]);
      c.i32(0).set(jb);
      c.whileLoop(
        (v) => v.get(jb).get(end).lessThan(),
        (v) => {
          v.get(w).get(jb).add().f64Load().f64x2Splat().set(wj);
          v.get(row).get(jb).add().get(jb).add().set(at);
          for (let m = 0; m < 4; m++) {
            if (m > 0) v.get(at).get(pairBytes).add().set(at);
            v.get(acc[m]).get(wj).get(at).v128Load().f64x2Mul().f64x2Add().set(acc[m]);
          }
          v.increment(jb, 8);
        },
      );
      c.get(z).get(quad).i32(64).mul().add().set(at);
      for (let m = 0; m < 4; m++)
        c.get(at)
          .get(acc[m])
          .v128Store(16 * m);
      c.get(row).get(pairBytes).i32(4).mul().add().set(row);
      c.increment(quad, 1);
    },
  );
  return b;
}

/**
 * gradient(x, groups, pp, r, g): for each group of eight rows at x (row stride pp doubles, pp even,
 * padding zero) with residuals r₀ … r₇ at r, g[j] += (((r₀x₀ⱼ + r₁x₁ⱼ) + r₂x₂ⱼ) + r₃x₃ⱼ) +
 * (((r₄x₄ⱼ + r₅x₅ⱼ) + r₆x₆ⱼ) + r₇x₇ⱼ), two features per instruction: the scalar loop's order.
 */
function gradientSource(): Body {
  const b = new Body(5);
  const [x, groups, pp, r, g] = [0, 1, 2, 3, 4];
  const rowBytes = b.local(I32_LOCAL);
  const group = b.local(I32_LOCAL);
  const base = b.local(I32_LOCAL);
  const res = b.local(I32_LOCAL);
  const jb = b.local(I32_LOCAL);
  const at = b.local(I32_LOCAL);
  const rv: number[] = [];
  for (let m = 0; m < 8; m++) rv.push(b.local(V128));
  const t = b.local(V128);
  const u = b.local(V128);
  b.get(pp).i32(8).mul().set(rowBytes);
  b.get(x).set(base);
  b.get(r).set(res);
  b.whileLoop(
    (c) => c.get(group).get(groups).lessThan(),
    (c) => {
      for (let m = 0; m < 8; m++)
        c.get(res)
          .f64Load(8 * m)
          .f64x2Splat()
          .set(rv[m]);
      c.i32(0).set(jb);
      c.whileLoop(
        (v) => v.get(jb).get(rowBytes).lessThan(),
        (v) => {
          v.get(base).get(jb).add().set(at);
          for (const [acc, first] of [
            [t, 0],
            [u, 4],
          ]) {
            for (let m = first; m < first + 4; m++) {
              if (m > 0) v.get(at).get(rowBytes).add().set(at);
              if (m === first) v.get(rv[m]).get(at).v128Load().f64x2Mul().set(acc);
              else v.get(acc).get(rv[m]).get(at).v128Load().f64x2Mul().f64x2Add().set(acc);
            }
          }
          v.get(g).get(jb).add().set(at);
          v.get(at).get(at).v128Load().get(t).get(u).f64x2Add().f64x2Add().v128Store();
          v.increment(jb, 16);
        },
      );
      c.get(base).get(rowBytes).i32(8).mul().add().set(base);
      c.increment(res, 64);
      c.increment(group, 1);
    },
  );
  return b;
}

/**
 * interleave(x, pairs, p, pp, out): rows stored row-major at x (stride pp doubles) rewritten two at
 * a time, feature by feature, at out (x₀₀, x₁₀, x₀₁, x₁₁, …), the layout `scores` reads.
 */
function interleaveSource(): Body {
  const b = new Body(5);
  const [x, pairs, p, pp, out] = [0, 1, 2, 3, 4];
  const rowBytes = b.local(I32_LOCAL);
  const pair = b.local(I32_LOCAL);
  const from = b.local(I32_LOCAL);
  const to = b.local(I32_LOCAL);
  const jb = b.local(I32_LOCAL);
  const end = b.local(I32_LOCAL);
  b.get(pp).i32(8).mul().set(rowBytes);
  b.get(p).i32(8).mul().set(end);
  b.get(x).set(from);
  b.get(out).set(to);
  b.whileLoop(
    (c) => c.get(pair).get(pairs).lessThan(),
    (c) => {
      c.i32(0).set(jb);
      c.whileLoop(
        (v) => v.get(jb).get(end).lessThan(),
        (v) => {
          v.get(to).get(from).get(jb).add().f64Load().f64Store();
          v.get(to).get(from).get(rowBytes).add().get(jb).add().f64Load().f64Store(8);
          v.increment(to, 16);
          v.increment(jb, 8);
        },
      );
      c.get(from).get(rowBytes).get(rowBytes).add().add().set(from);
      c.increment(pair, 1);
    },
  );
  return b;
}

export interface SimdKernels {
  /** See gramSource. Offsets in bytes. */
  gram(d: number, groups: number, p: number, pp: number, g: number): void;
  /** See dotsSource. Offsets in bytes. */
  dots(q: number, train: number, rows: number, pp: number, out: number): void;
  /** See scoresSource. Offsets in bytes. */
  scores(xi: number, quads: number, p: number, w: number, z: number): void;
  /** See gradientSource. Offsets in bytes. */
  gradient(x: number, groups: number, pp: number, r: number, g: number): void;
  /** See interleaveSource. Offsets in bytes. */
  interleave(x: number, pairs: number, p: number, pp: number, out: number): void;
  /** See logistic-loss.ts. Offsets in bytes. */
  logLoss(
    scores: number,
    labels: number,
    pairs: number,
    residuals: number,
    probabilities: number,
    constants: number,
    sums: number,
  ): void;
  /** A view of the kernels' memory, grown to at least `doubles` doubles; valid until the next call. */
  workspace(doubles: number): Float64Array;
  /** Lets a large memory go (after a fit on a large window), keeping a small one. */
  release(): void;
}

const PAGE_BYTES = 65_536;
/** What `release` keeps: the k-NN and Gram kernels' usual needs (a few MB) without regrowing. */
const KEPT_BYTES = 8 * 1024 * 1024;

let built: SimdKernels | null | undefined;
let enabled = true;

function build(): SimdKernels | null {
  const compiled = compileKernels([
    { name: 'gram', parameters: 5, body: gramSource() },
    { name: 'dots', parameters: 5, body: dotsSource() },
    { name: 'scores', parameters: 5, body: scoresSource() },
    { name: 'gradient', parameters: 5, body: gradientSource() },
    { name: 'interleave', parameters: 5, body: interleaveSource() },
    { name: 'logLoss', parameters: 7, body: logLossSource() },
  ]);
  if (compiled === null) return null;
  const { wasm, module } = compiled;
  try {
    type Exports = Pick<SimdKernels, 'gram' | 'dots' | 'scores' | 'gradient' | 'interleave' | 'logLoss'>;
    const instantiate = (pages: number): { exports: Exports; view: Float64Array } => {
      const memory = new wasm.Memory({ initial: pages });
      const instance = new wasm.Instance(module, { env: { memory } });
      return { exports: instance.exports as unknown as Exports, view: new Float64Array(memory.buffer) };
    };
    let current = instantiate(1);
    const kernels: SimdKernels = {
      gram: (...a) => current.exports.gram(...a),
      dots: (...a) => current.exports.dots(...a),
      scores: (...a) => current.exports.scores(...a),
      gradient: (...a) => current.exports.gradient(...a),
      interleave: (...a) => current.exports.interleave(...a),
      logLoss: (...a) => current.exports.logLoss(...a),
      workspace(doubles: number): Float64Array {
        if (current.view.length < doubles) {
          // A new, bigger memory and instance rather than memory.grow(): growing detaches the old
          // ArrayBuffer, and once any buffer has been detached V8 checks for detachment on every
          // typed-array access of the process, slowing every numeric loop (docs/benchmarks.md).
          const pages = Math.max(
            Math.ceil((doubles * 8) / PAGE_BYTES),
            2 * (current.view.byteLength / PAGE_BYTES),
          );
          current = instantiate(pages);
        }
        return current.view;
      },
      release(): void {
        if (current.view.byteLength > KEPT_BYTES) current = instantiate(KEPT_BYTES / PAGE_BYTES);
      },
    };
    return kernels;
  } catch {
    // No instance could be made (WebAssembly disabled at run time): the scalar loops answer instead.
    return null;
  }
}

/** The kernels, or undefined where WebAssembly SIMD is unavailable (or turned off for a test). */
export function simdKernels(): SimdKernels | undefined {
  if (!enabled) return undefined;
  if (built === undefined) built = build();
  return built ?? undefined;
}

/** False while `withoutSimd` runs: the other kernel sets (histogram-kernels.ts) follow it too. */
export function simdEnabled(): boolean {
  return enabled;
}

/** Runs `body` with the kernels off, so tests can compare the scalar and SIMD paths. */
export function withoutSimd<T>(body: () => T): T {
  const before = enabled;
  enabled = false;
  try {
    return body();
  } finally {
    enabled = before;
  }
}
