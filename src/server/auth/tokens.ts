// Bearer tokens: `tml_<id>_<secret>`, where the id is 16 hex characters (public: it names the token
// in listings and revocations) and the secret is 32 random bytes in base64url. Every character is
// URL-safe, so the token travels unchanged in VIPER's `vipertoken` query parameter.
//
// Only SHA-256 of the whole token is stored. A slow password hash (scrypt, argon2) protects
// low-entropy secrets against guessing; these secrets have 256 bits of entropy, so a fast hash is
// as safe, and it keeps the check at microseconds on every request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles.js';
import type { TokenRecord } from '../store/records.js';

const TOKEN = /^tml_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token and the record to store; the token itself is shown once and never stored. */
export function generateToken(
  role: Role,
  label = '',
  now = new Date(),
): { token: string; record: TokenRecord } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const token = `tml_${id}_${secret}`;
  return { token, record: { id, role, hash: hashToken(token), label, createdAt: now.toISOString() } };
}

/** The id inside a well-formed token, else undefined. */
export function tokenId(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

/** Compares the hash of `token` with the stored hash in constant time. */
export function tokenMatches(token: string, record: TokenRecord): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(record.hash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
