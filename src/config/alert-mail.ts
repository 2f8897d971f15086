// The optional SMTP server that mails alerts (the `alertMail` section of the config file). Recipients
// a request names must be in `allowedDomains`: a token can ask for mail, but only to the domains the
// operator allowed, never to arbitrary addresses.
import { readFileSync } from 'node:fs';

export interface AlertMailSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when the server offers it. */
  secure: boolean;
  /** SMTP authentication; the password may come from `passwordFile` (read once, trimmed). */
  user?: string;
  password?: string;
  /** The sender address of every alert mail. */
  from: string;
  /** Lower-case domains recipients may be in (exact match: `example.org` allows a@example.org). */
  allowedDomains: string[];
  /** How long one delivery may take (default 10 s). */
  timeoutMs: number;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Reads and checks the section; `fail` makes the caller's ConfigError. */
export function alertMailSettings(raw: unknown, fail: (message: string) => Error): AlertMailSettings {
  const s = (raw ?? {}) as Record<string, unknown>;
  const text = (key: string, required: boolean): string | undefined => {
    const v = s[key];
    if (v === undefined || v === '') {
      if (required) throw fail(`alertMail.${key} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw fail(`alertMail.${key} must be a string`);
    return v;
  };
  const host = text('host', true) as string;
  const port = s.port ?? 25;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw fail(`alertMail.port must be a port number, got ${JSON.stringify(port)}`);
  }
  const domains = s.allowedDomains;
  if (!Array.isArray(domains) || domains.length === 0) {
    throw fail('alertMail.allowedDomains must list the domains alert mail may go to');
  }
  const allowedDomains = domains.map((d) => {
    const domain = typeof d === 'string' ? d.trim().toLowerCase() : '';
    if (!DOMAIN.test(domain)) throw fail(`alertMail.allowedDomains holds '${String(d)}', not a domain`);
    return domain;
  });
  let password = text('password', false);
  const passwordFile = text('passwordFile', false);
  if (password !== undefined && passwordFile !== undefined) {
    throw fail('alertMail: give password or passwordFile, not both');
  }
  if (passwordFile !== undefined) {
    try {
      password = readFileSync(passwordFile, 'utf8').trim();
    } catch (error) {
      throw fail(`alertMail.passwordFile: cannot read ${passwordFile}: ${(error as Error).message}`);
    }
  }
  const timeoutMs = s.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw fail('alertMail.timeoutMs must be a positive integer');
  }
  const user = text('user', false);
  return {
    host,
    port,
    secure: s.secure === true,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    from: text('from', true) as string,
    allowedDomains,
    timeoutMs,
  };
}
