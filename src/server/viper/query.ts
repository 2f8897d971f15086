// The VIPER clients build their URLs by string concatenation and never encode values; aiohttp/yarl
// then normalise the raw text (viper-protocol.md §1.2). The standard URLSearchParams would do most
// of this, but it throws on nothing and silently turns malformed escapes into U+FFFD; the rules here
// are explicit so that the tests can pin each quirk.

/** One VIPER request line, taken apart. */
export interface ViperRequestLine {
  /** The reverse-proxy path prefix (`microserviceid`), when the path has two segments. */
  microservice?: string;
  /** The endpoint name, lower-cased (`createtopics`, `producetotopic`, ...). */
  endpoint: string;
  /** Query parameters in arrival order; a repeated name keeps its first value. */
  params: Map<string, string>;
  /** Names that were repeated, so that a caller can warn about them. */
  repeated: string[];
  /** The start of the first name longer than any parameter's (it is not read). */
  oversizedName?: string;
}

/** The value of one hex digit, or -1. */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Decodes `+` and `%20` as a space and `%XX` escapes as UTF-8. Never throws: an escape that is not
 * two hex digits stays literal (`%` followed by whatever came), and bytes that are not valid UTF-8
 * become U+FFFD, so a malformed value reaches the parameter readers, which name it in their error.
 * One pass over the text, no regex: it runs on values as large as the URL limit.
 */
export function decodeComponent(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length) {
      const high = hexDigit(raw.charCodeAt(i + 1));
      const low = high === -1 ? -1 : hexDigit(raw.charCodeAt(i + 2));
      if (low !== -1) {
        bytes.push(high * 16 + low);
        i += 2;
        continue;
      }
    }
    flush();
    out += c === 0x2b ? ' ' : raw[i];
  }
  flush();
  return out;
}

/** A parameter name as the parser reads it: decoded, trimmed, lower-cased. */
export function parameterName(raw: string): string {
  return decodeComponent(raw).trim().toLowerCase();
}

/** More characters than any parameter name needs, even fully percent-encoded. */
export const MAX_NAME_CHARS = 3 * 64;
/** A token is 64 characters; a longer value cannot be one, so only its start is decoded. */
const MAX_TOKEN_CHARS = 3 * 128;

/** A query string's pairs as [start, end, equals] index triples: one pass, no copies, no regex. */
function* pairs(query: string): Generator<[start: number, end: number, eq: number]> {
  let eq = -1;
  for (let start = 0; start < query.length;) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    // '=' is searched once past each pair that has none, so the scan stays linear
    if (eq !== -1 && eq < start) eq = -1;
    if (eq === -1) eq = query.indexOf('=', start);
    yield [start, end, eq !== -1 && eq < end ? eq : -1];
    start = end + 1;
  }
}

/**
 * The `vipertoken` value of a query, read before anything else is decoded, so that an
 * unauthenticated request costs one linear scan whatever its size. Names are read as the parser
 * reads them (`vipe%72token`, `+vipertoken` are the token too); the first occurrence counts.
 */
export function findViperToken(query: string): string | undefined {
  for (const [start, end, eq] of pairs(query)) {
    const nameEnd = eq === -1 ? end : eq;
    if (nameEnd - start > MAX_NAME_CHARS) continue;
    if (parameterName(query.slice(start, nameEnd)) !== 'vipertoken') continue;
    if (eq === -1) return '';
    return decodeComponent(query.slice(eq + 1, Math.min(end, eq + 1 + MAX_TOKEN_CHARS)));
  }
  return undefined;
}

/** How many parameters a query holds (empty pairs are not parameters). */
export function countParameters(query: string): number {
  let count = 0;
  for (const [start, end] of pairs(query)) if (end > start) count++;
  return count;
}

/** Splits a query string at `&` and each pair at its first `=`; empty pairs are skipped. */
export function parseViperQuery(query: string): {
  params: Map<string, string>;
  repeated: string[];
  oversizedName?: string;
} {
  const params = new Map<string, string>();
  const repeated: string[] = [];
  let oversizedName: string | undefined;
  for (const [start, end, eq] of pairs(query)) {
    if (end === start) continue;
    const nameEnd = eq === -1 ? end : eq;
    if (nameEnd - start > MAX_NAME_CHARS) {
      // no parameter has such a name; the token finder skips it too, so it can hide nothing
      oversizedName ??= query.slice(start, start + 40);
      continue;
    }
    const name = parameterName(query.slice(start, nameEnd));
    const value = eq === -1 ? '' : decodeComponent(query.slice(eq + 1, end));
    if (name === '') continue;
    if (params.has(name)) repeated.push(name);
    else params.set(name, value);
  }
  return oversizedName === undefined ? { params, repeated } : { params, repeated, oversizedName };
}

/** The path of a request target and its query, split at the FIRST `?`. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** The endpoint a path names (its last segment, decoded, lower-cased) and the microservice prefix. */
export function endpointOf(path: string): { endpoint: string; microservice?: string } {
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeComponent(s));
  const endpoint = (segments.at(-1) ?? '').toLowerCase();
  return segments.length > 1 ? { endpoint, microservice: segments.slice(0, -1).join('/') } : { endpoint };
}

/**
 * Takes apart a raw request target such as `/ms1/producetotopic?vipertoken=...&topic=a`. The path
 * is split from the query at the FIRST `?` only (later `?` belong to values), and a fragment cannot
 * reach the server (the client drops everything after `#`).
 */
export function parseViperRequestLine(target: string): ViperRequestLine {
  const { path, query } = splitTarget(target);
  return { ...endpointOf(path), ...parseViperQuery(query) };
}
