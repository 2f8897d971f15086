// WebAssembly SIMD rows of the RBF kernel K(q, xₜ) = exp(−γ‖q − xₜ‖²) for the support-vector machine
// (algorithms/svm-solver.ts), which spends most of its time on them. Two rows per instruction: the
// rows are laid out column by column, so one f64x2 load takes a feature of rows t and t + 1; the
// exponential is evaluated in the same lanes (V8's Math.exp is a call per value, about half of a
// kernel entry's cost in plain JavaScript):
//
//   exp(z) = 2ᵏ · exp(r),  k = round(z / ln 2),  r = z − k·ln 2 (ln 2 in two parts, Cody–Waite),
//
// exp(r) by its Taylor polynomial to degree 11 (|r| ≤ ln 2 / 2: truncation below 7·10⁻¹⁵
// relative), 2ᵏ built in the exponent bits. z is clamped at −708 so 2ᵏ stays a normal number
// (exp(−708) ≈ 3·10⁻³⁰⁸: a kernel entry that small is zero to the solver). Assembled at run time
// by wasm-module.ts; where WebAssembly SIMD is unavailable (or off: withoutSimd) the callers keep
// their scalar loops.
import { simdEnabled } from './kernels.js';
import { assemble, Body, V128 } from './wasm-module.js';

const I32 = 0x7f;
const COEFFICIENTS = 12;
/** 1.5·2⁵²: adding it to an integral double |k| < 2⁵¹ leaves k in the low bits of the sum. */
const MAGIC = 6_755_399_441_055_744;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;

/** Constants block: 16 bytes (both lanes) each, in this order. */
const C_NEG_GAMMA = 0;
const C_CLAMP = 1;
const C_LOG2E = 2;
const C_LN2_HI = 3;
const C_LN2_LO = 4;
const C_MAGIC = 5;
const C_BIAS = 6;
const C_COEFFICIENT = 7; // 1/11!, 1/10!, …, 1/0!
const CONSTANT_BYTES = 16 * (C_COEFFICIENT + COEFFICIENTS);

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
  const c: number[] = [];
  for (let i = 0; i < C_COEFFICIENT + COEFFICIENTS; i++) c.push(b.local(V128));
  const [acc, d, z, k, r, q] = [
    b.local(V128),
    b.local(V128),
    b.local(V128),
    b.local(V128),
    b.local(V128),
    b.local(V128),
  ];
  for (let i = 0; i < c.length; i++)
    b.get(constants)
      .v128Load(16 * i)
      .set(c[i]);
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
      // z = max(−γ·d², −708); k = round(z·log₂e); r = (z − k·ln2_hi) − k·ln2_lo
      w.get(acc).get(c[C_NEG_GAMMA]).f64x2Mul().get(c[C_CLAMP]).f64x2Max().set(z);
      w.get(z).get(c[C_LOG2E]).f64x2Mul().f64x2Nearest().set(k);
      w.get(z).get(k).get(c[C_LN2_HI]).f64x2Mul().f64x2Sub();
      w.get(k).get(c[C_LN2_LO]).f64x2Mul().f64x2Sub().set(r);
      // q = Σ rⁱ/i! by Horner
      w.get(c[C_COEFFICIENT]).set(q);
      for (let i = 1; i < COEFFICIENTS; i++)
        w.get(q)
          .get(r)
          .f64x2Mul()
          .get(c[C_COEFFICIENT + i])
          .f64x2Add()
          .set(q);
      // out = q · 2ᵏ, 2ᵏ's bits = (bits(k + MAGIC) − (bits(MAGIC) − 1023)) << 52
      w.get(out).get(pair).i32(16).mul().add();
      w.get(q);
      w.get(k).get(c[C_MAGIC]).f64x2Add().get(c[C_BIAS]).i64x2Sub().i32(52).i64x2ShiftLeft();
      w.f64x2Mul().v128Store();
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

// The few WebAssembly names used here (see kernels.ts).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

interface Arena {
  f64: Float64Array;
  rbf: Kernel;
}

const PAGE_BYTES = 65_536;
/** Above this the scalar loop answers rather than pin the memory (3,000 rows × 64 features ≈ 1.5 MB). */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

let compiled: { wasm: WasmApi; module: object } | null | undefined;
let arena: Arena | null = null;
/** Which RbfRows laid out the arena's rows last (another may have since: it lays them out again). */
let owner: object | null = null;

function compile(): { wasm: WasmApi; module: object } | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const bytes = assemble([{ name: 'rbf', parameters: 7, body: rbfSource() }]);
    if (!wasm.validate(bytes)) return null;
    return { wasm, module: new wasm.Module(bytes) };
  } catch {
    return null;
  }
}

function arenaOf(bytes: number): Arena | undefined {
  if (compiled === undefined) compiled = compile();
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
    const bits = new BigInt64Array(f64.buffer, 0, CONSTANT_BYTES / 8);
    const magicBits = new BigInt64Array(new Float64Array([MAGIC]).buffer)[0];
    const constant = (index: number, value: number): void => {
      f64[2 * index] = value;
      f64[2 * index + 1] = value;
    };
    constant(C_NEG_GAMMA, -gamma);
    constant(C_CLAMP, -708);
    constant(C_LOG2E, Math.LOG2E);
    constant(C_LN2_HI, LN2_HI);
    constant(C_LN2_LO, LN2_LO);
    constant(C_MAGIC, MAGIC);
    bits[2 * C_BIAS] = magicBits - 1023n;
    bits[2 * C_BIAS + 1] = magicBits - 1023n;
    let factorial = 1;
    for (let i = 1; i < COEFFICIENTS; i++) factorial *= i;
    for (let i = 0; i < COEFFICIENTS; i++) {
      // 1/11!, 1/10!, …: factorial runs down from 11!.
      constant(C_COEFFICIENT + i, 1 / factorial);
      factorial /= Math.max(1, COEFFICIENTS - 1 - i);
    }
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
