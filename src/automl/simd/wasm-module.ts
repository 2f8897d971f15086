// A minimal WebAssembly binary writer: just what the SIMD kernels of kernels.ts need (one exported
// memory, functions of i32 parameters, loops, f64 and f64x2 loads, stores and arithmetic). The
// kernels are written in this repository and assembled here at run time from their source in
// kernels.ts — no compiler toolchain at install time and no prebuilt binary.

const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

function u32(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function s32(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** The body of one function: a stack-machine instruction list with named helpers for each opcode. */
export class Body {
  readonly code: number[] = [];
  /** Extra locals after the parameters, in declaration order. */
  readonly locals: number[] = [];

  constructor(readonly parameters: number) {}

  /** Declares a local of `type` and answers its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.parameters + this.locals.length - 1;
  }

  get(index: number): this {
    this.code.push(0x20);
    u32(index, this.code);
    return this;
  }
  set(index: number): this {
    this.code.push(0x21);
    u32(index, this.code);
    return this;
  }
  i32(value: number): this {
    this.code.push(0x41);
    s32(value, this.code);
    return this;
  }
  add(): this {
    this.code.push(0x6a);
    return this;
  }
  mul(): this {
    this.code.push(0x6c);
    return this;
  }
  /** i32.lt_u */
  lessThan(): this {
    this.code.push(0x49);
    return this;
  }
  /** local += step (i32). */
  increment(index: number, step: number): this {
    return this.get(index).i32(step).add().set(index);
  }
  /** `loop { body; br_if 0 (condition) }` inside a block, so the body runs while the condition holds (checked first). */
  whileLoop(condition: (b: this) => void, body: (b: this) => void): this {
    this.code.push(0x02, 0x40, 0x03, 0x40); // block, loop (no result)
    condition(this);
    this.code.push(0x45, 0x0d, 1); // i32.eqz; br_if to the block's end
    body(this);
    this.code.push(0x0c, 0, 0x0b, 0x0b); // br to the loop; end loop; end block
    return this;
  }
  f64Load(offset = 0): this {
    this.code.push(0x2b, 3);
    u32(offset, this.code);
    return this;
  }
  f64Store(offset = 0): this {
    this.code.push(0x39, 3);
    u32(offset, this.code);
    return this;
  }
  f64Add(): this {
    this.code.push(0xa0);
    return this;
  }
  /** i32.load (4-byte aligned). */
  i32Load(offset = 0): this {
    this.code.push(0x28, 2);
    u32(offset, this.code);
    return this;
  }
  /** i32.load8_u */
  u8Load(offset = 0): this {
    this.code.push(0x2d, 0);
    u32(offset, this.code);
    return this;
  }
  f64Const(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.code.push(0x44, ...bytes);
    return this;
  }
  f64Sub(): this {
    this.code.push(0xa1);
    return this;
  }
  /** f64.eq: an i32 flag. */
  f64Equal(): this {
    this.code.push(0x61);
    return this;
  }
  /** select of two v128 operands by an i32 flag (the first when it is non-zero). */
  v128Select(): this {
    this.code.push(0x1c, 1, V128);
    return this;
  }
  private simd(opcode: number): this {
    this.code.push(0xfd);
    u32(opcode, this.code);
    return this;
  }
  v128Load(offset = 0): this {
    this.simd(0x00).code.push(3);
    u32(offset, this.code);
    return this;
  }
  v128Store(offset = 0): this {
    this.simd(0x0b).code.push(3);
    u32(offset, this.code);
    return this;
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f64x2ExtractLane(lane: 0 | 1): this {
    this.simd(0x21).code.push(lane);
    return this;
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  /** i8x16.shuffle of the two operands by the 16 byte indices (0–15 the first, 16–31 the second). */
  shuffle(lanes: number[]): this {
    this.simd(0x0d).code.push(...lanes);
    return this;
  }
  f64x2ReplaceLane(lane: 0 | 1): this {
    this.simd(0x22).code.push(lane);
    return this;
  }
  /** f64x2.le: all-ones lanes where a ≤ b. */
  f64x2LessEqual(): this {
    return this.simd(0x4b);
  }
  /** f64x2.ge */
  f64x2GreaterEqual(): this {
    return this.simd(0x4c);
  }
  /** f64x2.gt */
  f64x2Greater(): this {
    return this.simd(0x4a);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  /** v128.bitselect(a, b, mask): a where the mask's bits are set, else b. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** v128.any_true: an i32 flag. */
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  /** i64x2.extract_lane: an i64 (drop it or test it with i64.eqz). */
  i64x2ExtractLane(lane: 0 | 1): this {
    this.simd(0x1d).code.push(lane);
    return this;
  }
  f64x2Div(): this {
    return this.simd(0xf3);
  }
  /** i64.eqz: an i32 flag. */
  i64EqualZero(): this {
    this.code.push(0x50);
    return this;
  }
  /** i32.eqz */
  i32EqualZero(): this {
    this.code.push(0x45);
    return this;
  }
  /** i32.store (4-byte aligned). */
  i32Store(offset = 0): this {
    this.code.push(0x36, 2);
    u32(offset, this.code);
    return this;
  }
  /** f64.convert_i32_u */
  f64FromI32(): this {
    this.code.push(0xb8);
    return this;
  }
  /** `if (flag) { body }`, the flag taken from the stack. */
  when(body: (b: this) => void): this {
    this.code.push(0x04, 0x40);
    body(this);
    this.code.push(0x0b);
    return this;
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  /** f64x2.abs */
  f64x2Abs(): this {
    return this.simd(0xec);
  }
  /** f64x2.neg */
  f64x2Neg(): this {
    return this.simd(0xed);
  }
  /** f64x2.max */
  f64x2Max(): this {
    return this.simd(0xf5);
  }
  /** f64x2.nearest: round each lane to the nearest integer, ties to even. */
  f64x2Nearest(): this {
    return this.simd(0x94);
  }
  /** i64x2.sub on the lanes' bits. */
  i64x2Sub(): this {
    return this.simd(0xd1);
  }
  /** i64x2.shl by an i32 count. */
  i64x2ShiftLeft(): this {
    return this.simd(0xcb);
  }
}

export interface FunctionSource {
  name: string;
  /** Number of i32 parameters (all parameters are i32: byte offsets and counts). */
  parameters: number;
  body: Body;
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  u32(content.length, out);
  out.push(...content);
}

function vector(items: number[][], out: number[]): void {
  u32(items.length, out);
  for (const item of items) out.push(...item);
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  const out: number[] = [];
  u32(bytes.length, out);
  return [...out, ...bytes];
}

/** The bytes of a module importing `env.memory` and exporting the functions. */
export function assemble(functions: FunctionSource[]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = functions.map((f) => {
    const t = [0x60];
    u32(f.parameters, t);
    for (let i = 0; i < f.parameters; i++) t.push(I32);
    t.push(0); // no results
    return t;
  });
  const typesContent: number[] = [];
  vector(types, typesContent);
  section(1, typesContent, out);
  // The memory is imported (env.memory, at least one page) rather than defined and grown: the caller
  // makes a bigger one when it needs more (see kernels.ts).
  section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1], out);
  const functionIndices: number[] = [];
  vector(
    functions.map((_, i) => {
      const b: number[] = [];
      u32(i, b);
      return b;
    }),
    functionIndices,
  );
  section(3, functionIndices, out);
  const exports = [
    ...functions.map((f, i) => {
      const e = [...name(f.name), 0x00];
      u32(i, e);
      return e;
    }),
  ];
  const exportContent: number[] = [];
  vector(exports, exportContent);
  section(7, exportContent, out);
  const bodies = functions.map((f) => {
    const body: number[] = [];
    // Locals as runs of one type each.
    const runs: Array<[number, number]> = [];
    for (const type of f.body.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    u32(runs.length, body);
    for (const [count, type] of runs) {
      u32(count, body);
      body.push(type);
    }
    body.push(...f.body.code, 0x0b);
    const sized: number[] = [];
    u32(body.length, sized);
    return [...sized, ...body];
  });
  const codeContent: number[] = [];
  vector(bodies, codeContent);
  section(10, codeContent, out);
  return Uint8Array.from(out);
}

// The few WebAssembly names the kernels use (the compiler's ES2023 + Node libraries do not declare them).
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

/** A compiled kernel module and the API that instantiates it. */
export interface CompiledKernels {
  wasm: WasmApi;
  module: object;
}

/**
 * Assembles and compiles `functions`, or answers null where WebAssembly or its SIMD instructions
 * are unavailable (the callers then keep their scalar loops).
 */
export function compileKernels(functions: FunctionSource[]): CompiledKernels | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const bytes = assemble(functions);
    if (!wasm.validate(bytes)) return null;
    return { wasm, module: new wasm.Module(bytes) };
  } catch {
    return null;
  }
}
