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
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Decodes `+` and `%20` as a space and `%XX` escapes as UTF-8. Never throws: an escape that is not
 * two hex digits stays literal (`%` followed by whatever came), and bytes that are not valid UTF-8
 * become U+FFFD, so a malformed value reaches the parameter readers, which name it in their error.
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
    const c = raw[i];
    if (c === '%' && HEX.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    flush();
    out += c === '+' ? ' ' : c;
  }
  flush();
  return out;
}

/** Splits a query string at `&` and each pair at its first `=`; empty pairs are skipped. */
export function parseViperQuery(query: string): { params: Map<string, string>; repeated: string[] } {
  const params = new Map<string, string>();
  const repeated: string[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq))
      .trim()
      .toLowerCase();
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (name === '') continue;
    if (params.has(name)) repeated.push(name);
    else params.set(name, value);
  }
  return { params, repeated };
}

/**
 * Takes apart a raw request target such as `/ms1/producetotopic?vipertoken=...&topic=a`. The path
 * is split from the query at the FIRST `?` only (later `?` belong to values), and a fragment cannot
 * reach the server (the client drops everything after `#`).
 */
export function parseViperRequestLine(target: string): ViperRequestLine {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeComponent(s));
  const endpoint = (segments.at(-1) ?? '').toLowerCase();
  const microservice = segments.length > 1 ? segments.slice(0, -1).join('/') : undefined;
  const { params, repeated } = parseViperQuery(query);
  return { ...(microservice !== undefined ? { microservice } : {}), endpoint, params, repeated };
}
