// exp and log1p evaluated in f64x2 lanes, for the kernels whose rows each need one (the RBF kernel
// rows of rbf-kernel.ts, the logistic loss of logistic-kernels.ts). V8's Math.exp and Math.log1p
// are a call per value; here two values go through a handful of multiply-adds:
//
//   exp(z) = 2ᵏ · exp(r),  k = round(z / ln 2),  r = z − k·ln 2 (ln 2 in two parts, Cody–Waite),
//
// exp(r) by its Taylor polynomial to degree 11 (|r| ≤ ln 2 / 2: truncation below 7·10⁻¹⁵
// relative), 2ᵏ built in the exponent bits. Only z ≤ 0 is needed (a kernel entry, e^−|z|), clamped
// at −708 so that 2ᵏ stays a normal number (e^−708 ≈ 3·10⁻³⁰⁸).
//
//   log1p(e) = 2·atanh(s) = 2·Σ s²ᵏ⁺¹/(2k + 1),  s = e/(2 + e),
//
// for e ∈ [0, 1] (s ≤ ⅓: sixteen terms leave under 2·10⁻¹⁷ relative). Both polynomials are
// evaluated by Estrin's scheme (pairs, then pairs of pairs, with x², x⁴, x⁸): a dependency chain
// of four or five multiply-adds instead of Horner's twelve or sixteen, so the lanes' latency does
// not bound a loop that has little else to do (the logistic loss).
import { type Body, V128 } from './wasm-module.js';

const EXP_COEFFICIENTS = 12;
const LOG1P_TERMS = 16;
/** 1.5·2⁵²: adding it to an integral double |k| < 2⁵¹ leaves k in the low bits of the sum. */
const MAGIC = 6_755_399_441_055_744;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;

// The constants block, 16 bytes each (the value in both lanes), in this order.
const C_CLAMP = 0;
const C_LOG2E = 1;
const C_LN2_HI = 2;
const C_LN2_LO = 3;
const C_MAGIC = 4;
const C_BIAS = 5;
const C_EXP = 6; // 1/0!, 1/1!, …, 1/11!
const C_ONE = C_EXP + EXP_COEFFICIENTS;
const C_TWO = C_ONE + 1;
const C_LOG1P = C_TWO + 1; // 1/1, 1/3, …, 1/31
const CONSTANTS = C_LOG1P + LOG1P_TERMS;

/** Bytes of the constants block that `writeLaneConstants` fills and `LaneConstants.load` reads. */
export const LANE_CONSTANT_BYTES = 16 * CONSTANTS;

/** Writes the constants block at byte offset `at` (16-aligned) of a kernel memory. */
export function writeLaneConstants(buffer: ArrayBufferLike, at: number): void {
  const f64 = new Float64Array(buffer, at, 2 * CONSTANTS);
  const bits = new BigInt64Array(buffer, at, 2 * CONSTANTS);
  const set = (index: number, value: number): void => {
    f64[2 * index] = value;
    f64[2 * index + 1] = value;
  };
  set(C_CLAMP, -708);
  set(C_LOG2E, Math.LOG2E);
  set(C_LN2_HI, LN2_HI);
  set(C_LN2_LO, LN2_LO);
  set(C_MAGIC, MAGIC);
  const magicBits = new BigInt64Array(new Float64Array([MAGIC]).buffer)[0];
  // bits(k + MAGIC) − (bits(MAGIC) − 1023) = k + 1023, the biased exponent of 2ᵏ.
  bits[2 * C_BIAS] = magicBits - 1023n;
  bits[2 * C_BIAS + 1] = magicBits - 1023n;
  let factorial = 1;
  for (let i = 0; i < EXP_COEFFICIENTS; i++) {
    if (i > 0) factorial *= i;
    set(C_EXP + i, 1 / factorial);
  }
  set(C_ONE, 1);
  set(C_TWO, 2);
  for (let i = 0; i < LOG1P_TERMS; i++) set(C_LOG1P + i, 1 / (2 * i + 1));
}

/** The constants held in v128 locals of one kernel body, loaded once before its loop. */
export class LaneConstants {
  private readonly locals: number[] = [];
  private readonly r: number;
  private readonly k: number;
  /** x, x², x⁴, x⁸ of the polynomial being evaluated. */
  private readonly powers: number[];

  constructor(private readonly b: Body) {
    for (let i = 0; i < CONSTANTS; i++) this.locals.push(b.local(V128));
    this.r = b.local(V128);
    this.k = b.local(V128);
    this.powers = [b.local(V128), b.local(V128), b.local(V128), b.local(V128)];
  }

  /** Loads the block from the address held in i32 local `base` plus `offset` bytes. */
  load(base: number, offset: number): void {
    for (let i = 0; i < CONSTANTS; i++)
      this.b
        .get(base)
        .v128Load(offset + 16 * i)
        .set(this.locals[i]);
  }

  /** Local `out` = exp(max(local `z`, −708)), z ≤ 0 (`out` may be `z`). */
  exp(z: number, out: number): void {
    const { b, locals: c, r, k } = this;
    b.get(z).get(c[C_CLAMP]).f64x2Max().set(out);
    b.get(out).get(c[C_LOG2E]).f64x2Mul().f64x2Nearest().set(k);
    b.get(out).get(k).get(c[C_LN2_HI]).f64x2Mul().f64x2Sub();
    b.get(k).get(c[C_LN2_LO]).f64x2Mul().f64x2Sub().set(r);
    this.estrin(r, C_EXP, EXP_COEFFICIENTS);
    b.get(k).get(c[C_MAGIC]).f64x2Add().get(c[C_BIAS]).i64x2Sub().i32(52).i64x2ShiftLeft();
    b.f64x2Mul().set(out);
  }

  /** Local `out` = log1p(local `e`), 0 ≤ e ≤ 1 (`out` must differ from `e`). */
  log1p(e: number, out: number): void {
    const { b, locals: c, r } = this;
    // r = s = e / (2 + e); out = s²; 2·s·Σ s²ᵏ/(2k + 1)
    b.get(e).get(e).get(c[C_TWO]).f64x2Add().f64x2Div().set(r);
    b.get(r).get(r).f64x2Mul().set(out);
    b.get(r).get(c[C_TWO]).f64x2Mul();
    this.estrin(out, C_LOG1P, LOG1P_TERMS);
    b.f64x2Mul().set(out);
  }

  /** The splat of 1 (a v128 local). */
  get one(): number {
    return this.locals[C_ONE];
  }

  /** Pushes Σ cᵢ·xⁱ (i < count, coefficients from constant `first`) by Estrin's scheme. */
  private estrin(x: number, first: number, count: number): void {
    const { b, powers } = this;
    b.get(x).set(powers[0]);
    for (let i = 1; i < powers.length && 1 << i < count; i++)
      b.get(powers[i - 1])
        .get(powers[i - 1])
        .f64x2Mul()
        .set(powers[i]);
    const emit = (from: number, n: number): void => {
      if (n === 1) {
        b.get(this.locals[first + from]);
        return;
      }
      // low + x^m · high, m the largest power of two below n
      let level = 0;
      while (2 << level < n) level++;
      const m = 1 << level;
      emit(from, m);
      emit(from + m, n - m);
      b.get(powers[level]).f64x2Mul().f64x2Add();
    };
    emit(0, count);
  }
}
