// WebAssembly SIMD rows of the RBF kernel K(q, xₜ) = exp(−γ‖q − xₜ‖²) for the support-vector machine
// (algorithms/svm-solver.ts), which spends most of its time on them. Two rows per instruction: the
// rows are laid out column by column, so one f64x2 load takes a feature of rows t and t + 1; the
// exponential is evaluated in the same lanes (exp-lanes.ts; V8's Math.exp is a call per value,
// about half of a kernel entry's cost in plain JavaScript). Assembled at run time by
// wasm-module.ts; where WebAssembly SIMD is unavailable (or off: withoutSimd) the callers keep
// their scalar loops.
import { simdEnabled } from './kernels.js';
import { LANE_CONSTANT_BYTES, LaneConstants, writeLaneConstants } from './exp-lanes.js';
import { Body, compileKernels, type CompiledKernels, V128 } from './wasm-module.js';

const I32 = 0x7f;
/** The constants block: −γ in both lanes, then exp-lanes.ts's constants. */
const CONSTANT_BYTES = 16 + LANE_CONSTANT_BYTES;

/**
 * rbf(columns, stride, pairs, p, query, out, constants): for each pair of rows (t, t + 1),
 * out[t..t+1] = exp(max(−γ·Σ_f (columns[f][t] − query[f])², −708)); columns column-major with
 * `stride` bytes per column, `pairs` pairs, `p` features, all offsets in bytes.
 */
function rbfSource(): Body {
  const b = new Body(7);
  const [columns, stride, pairs, p, query, out, constants] = [0, 1, 2, 3, 4, 5, 6];
  const pair = b.local(I32);
  const at = b.local(I32);
  const queryAt = b.local(I32);
  const f = b.local(I32);
  const negGamma = b.local(V128);
  const [acc, d] = [b.local(V128), b.local(V128)];
  const lanes = new LaneConstants(b);
  b.get(constants).v128Load().set(negGamma);
  lanes.load(constants, 16);
  b.whileLoop(
    (w) => w.get(pair).get(pairs).lessThan(),
    (w) => {
      w.f64Const(0).f64x2Splat().set(acc);
      w.get(columns).get(pair).i32(16).mul().add().set(at);
      w.get(query).set(queryAt);
      w.i32(0).set(f);
      w.whileLoop(
        (v) => v.get(f).get(p).lessThan(),
        (v) => {
          v.get(at).v128Load().get(queryAt).f64Load().f64x2Splat().f64x2Sub().set(d);
          v.get(acc).get(d).get(d).f64x2Mul().f64x2Add().set(acc);
          v.get(at).get(stride).add().set(at);
          v.increment(queryAt, 8);
          v.increment(f, 1);
        },
      );
      w.get(acc).get(negGamma).f64x2Mul().set(acc);
      lanes.exp(acc, acc);
      w.get(out).get(pair).i32(16).mul().add().get(acc).v128Store();
      w.increment(pair, 1);
    },
  );
  return b;
}

type Kernel = (
  columns: number,
  stride: number,
  pairs: number,
  p: number,
  query: number,
  out: number,
  constants: number,
) => void;

interface Arena {
  f64: Float64Array;
  rbf: Kernel;
}

const PAGE_BYTES = 65_536;
/** Above this the scalar loop answers rather than pin the memory (3,000 rows × 64 features ≈ 1.5 MB). */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

let compiled: CompiledKernels | null | undefined;
let arena: Arena | null = null;
/** Which RbfRows laid out the arena's rows last (another may have since: it lays them out again). */
let owner: object | null = null;

function arenaOf(bytes: number): Arena | undefined {
  if (compiled === undefined) compiled = compileKernels([{ name: 'rbf', parameters: 7, body: rbfSource() }]);
  if (compiled === null) return undefined;
  if (arena === null || arena.f64.byteLength < bytes) {
    // A new memory, never memory.grow(): growing detaches the old buffer (see kernels.ts).
    const memory = new compiled.wasm.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
    const exports = new compiled.wasm.Instance(compiled.module, { env: { memory } }).exports;
    arena = { f64: new Float64Array(memory.buffer), rbf: exports.rbf as Kernel };
    owner = null;
  }
  return arena;
}

/** Kernel rows against n fixed rows, computed in the SIMD arena. */
export class RbfRows {
  private readonly pairs: number;
  private readonly columnsAt: number;
  private readonly queryAt: number;
  private readonly outAt: number;
  private readonly bytes: number;
  /** Names this layout in `owner`. */
  private readonly token = {};

  private constructor(
    private readonly x: Float64Array,
    private readonly n: number,
    private readonly p: number,
    private readonly gamma: number,
  ) {
    this.pairs = Math.ceil(n / 2);
    // Doubles: constants, the query (p, even), the columns (p × 2·pairs), the output (2·pairs).
    this.queryAt = CONSTANT_BYTES / 8;
    this.columnsAt = this.queryAt + p + (p & 1);
    this.outAt = this.columnsAt + p * 2 * this.pairs;
    this.bytes = (this.outAt + 2 * this.pairs) * 8;
  }

  /** Rows of `x` (n × p, row-major), or undefined where the SIMD path is unavailable or too big. */
  static of(x: Float64Array, n: number, p: number, gamma: number): RbfRows | undefined {
    if (!simdEnabled() || n === 0 || p === 0) return undefined;
    const rows = new RbfRows(x, n, p, gamma);
    if (rows.bytes > MAX_ARENA_BYTES) return undefined;
    return arenaOf(rows.bytes) === undefined ? undefined : rows;
  }

  /** Writes K(q, xₜ) for t < n into `into`, q = `source`'s p values from `offset`. */
  row(source: Float64Array, offset: number, into: Float64Array): void {
    const a = this.layOut();
    const { n, p, queryAt, outAt } = this;
    for (let f = 0; f < p; f++) a.f64[queryAt + f] = source[offset + f];
    a.rbf(this.columnsAt * 8, this.pairs * 16, this.pairs, p, queryAt * 8, outAt * 8, 0);
    into.set(a.f64.subarray(outAt, outAt + n));
  }

  private layOut(): Arena {
    const a = arenaOf(this.bytes) as Arena;
    if (owner === this.token) return a;
    const { x, n, p, gamma } = this;
    const f64 = a.f64;
    f64[0] = -gamma;
    f64[1] = -gamma;
    writeLaneConstants(f64.buffer, 16);
    const stride = 2 * this.pairs;
    for (let f = 0; f < p; f++) {
      const column = this.columnsAt + f * stride;
      for (let t = 0; t < n; t++) f64[column + t] = x[t * p + f];
      if (n < stride) f64[column + n] = 0;
    }
    owner = this.token;
    return a;
  }
}
