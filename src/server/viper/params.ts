// Typed readers over VIPER's query parameters. The clients send every parameter on every call, often
// empty (`&brokerhost=&brokerport=-999`), so an empty value means "not given" and takes the default.
import { MissingParameterError, ParameterError, showValue } from '../errors.js';

const INTEGER = /^[+-]?\d+$/;
// Decimal notation only: `Number()` would also take '0x1f', '1_0' is refused by it, and '' → 0.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface ReadOptions<T> {
  /** Without a default, a missing or empty parameter is an error. */
  default?: T;
}

export interface NumberOptions extends ReadOptions<number> {
  min?: number;
  max?: number;
}

export class ViperParams {
  /** The names the endpoint looked up, for the metrics (bounded: only names the code reads). */
  readonly read = new Set<string>();

  constructor(
    private readonly params: Map<string, string>,
    /** The largest value accepted, in UTF-8 bytes (the platform's max.message.bytes). */
    readonly maxValueBytes: number,
  ) {}

  /** The raw value, or undefined when absent or empty (after trimming). Checks the size. */
  raw(name: string): string | undefined {
    this.read.add(name);
    const value = this.params.get(name);
    if (value === undefined) return undefined;
    // Length in UTF-16 units is at most the UTF-8 length; only count bytes when it could matter.
    if (value.length * 3 > this.maxValueBytes) {
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > this.maxValueBytes) {
        throw new ParameterError(name, `is ${bytes} bytes, over the limit of ${this.maxValueBytes} bytes`);
      }
    }
    return value.trim() === '' ? undefined : value;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** Text, trimmed (the clients' multi-line strings arrive with their indentation). */
  string(name: string, options: ReadOptions<string> = {}): string {
    const value = this.raw(name);
    if (value === undefined) return required(name, options.default);
    return value.trim();
  }

  int(name: string, options: NumberOptions = {}): number {
    const value = this.raw(name)?.trim();
    if (value === undefined) return required(name, options.default);
    if (!INTEGER.test(value)) {
      throw new ParameterError(name, `must be an integer, got '${showValue(value)}'`);
    }
    const n = Number(value);
    if (!Number.isSafeInteger(n))
      throw new ParameterError(name, `is out of range, got '${showValue(value)}'`);
    return inRange(name, n, options);
  }

  float(name: string, options: NumberOptions = {}): number {
    const value = this.raw(name)?.trim();
    if (value === undefined) return required(name, options.default);
    const n = DECIMAL.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n)) {
      throw new ParameterError(name, `must be a finite number, got '${showValue(value)}'`);
    }
    return inRange(name, n, options);
  }

  /** `1`/`0`, `true`/`false`, `yes`/`no` (VIPER sends 1 and 0). */
  bool(name: string, options: ReadOptions<boolean> = {}): boolean {
    const value = this.raw(name)?.trim().toLowerCase();
    if (value === undefined) return required(name, options.default);
    if (value === '1' || value === 'true' || value === 'yes') return true;
    if (value === '0' || value === 'false' || value === 'no') return false;
    throw new ParameterError(name, `must be 1 or 0, got '${showValue(value)}'`);
  }

  /** A comma list, items trimmed, empty items dropped. */
  list(name: string, options: ReadOptions<string[]> = {}): string[] {
    const value = this.raw(name);
    const items = value === undefined ? [] : value.split(',').map((s) => s.trim());
    const kept = items.filter((s) => s !== '');
    if (kept.length === 0) return required(name, options.default);
    return kept;
  }

  enum<T extends string>(name: string, allowed: readonly T[], options: ReadOptions<T> = {}): T {
    const value = this.raw(name)?.trim().toLowerCase();
    if (value === undefined) return required(name, options.default);
    const found = allowed.find((a) => a.toLowerCase() === value);
    if (found === undefined) {
      throw new ParameterError(name, `must be one of ${allowed.join(', ')}, got '${showValue(value)}'`);
    }
    return found;
  }
}

function required<T>(name: string, fallback: T | undefined): T {
  if (fallback === undefined) throw new MissingParameterError(name);
  return fallback;
}

function inRange(name: string, n: number, options: NumberOptions): number {
  if (options.min !== undefined && n < options.min) {
    throw new ParameterError(name, `must be >= ${options.min}, got ${n}`);
  }
  if (options.max !== undefined && n > options.max) {
    throw new ParameterError(name, `must be <= ${options.max}, got ${n}`);
  }
  return n;
}
