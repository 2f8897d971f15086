// Tokens never reach a log line or an error body. Whatever carries them (the URL, a value echoed in
// an error) is read the way the VIPER parser reads it (decoded names and values), and anything
// shaped like a tml token is replaced. Every input here is bounded before a regex sees it.
import { redactTokens } from './errors.js';
import { decodeComponent, parameterName, splitTarget } from './viper/query.js';

export { redactTokens };

export const REDACTED = '[REDACTED]';
/** The most characters one decoded character can take in a URL (`%F0%9F%98%80` is 12 for 2). */
const RAW_PER_CHAR = 9;
/** A whole token fits in this many decoded characters past any point where one may start. */
const TOKEN_CHARS = 80;

/**
 * A request target for the log: decoded as the parser decodes it, `vipertoken`'s value and anything
 * token-shaped replaced, cut at `max` characters. Reads only as much of the URL as it prints.
 */
export function redactUrl(url: string, max = 300): string {
  const { path, query } = splitTarget(url);
  let out = shown(path, max);
  if (query === '' || out.length >= max) return finish(out, url, max);
  out += '?';
  for (let start = 0; start < query.length && out.length < max;) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const room = max - out.length;
    const bound = Math.min(end, start + RAW_PER_CHAR * (room + TOKEN_CHARS));
    const pair = query.slice(start, bound);
    const eq = pair.indexOf('=');
    if (eq !== -1 && eq <= RAW_PER_CHAR * 64 && parameterName(pair.slice(0, eq)) === 'vipertoken') {
      out += `${shown(pair.slice(0, eq), room)}=${REDACTED}`;
    } else out += shown(pair, room);
    if (end < query.length) out += '&';
    start = end + 1;
  }
  return finish(out, url, max);
}

function shown(raw: string, room: number): string {
  return redactTokens(decodeComponent(raw.slice(0, RAW_PER_CHAR * (room + TOKEN_CHARS)))).slice(0, room);
}

function finish(out: string, url: string, max: number): string {
  return out.length >= max || url.length > RAW_PER_CHAR * max ? `${out}…(${url.length} chars)` : out;
}
