// tml's configuration, read once (file + environment) into one typed object and passed down:
// no other module reads process.env (DESIGN.md §3).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { alertMailSettings, type AlertMailSettings } from './alert-mail.js';

export type { AlertMailSettings } from './alert-mail.js';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** TLS to the brokers (VIPER's `enabletls`). */
  tls: boolean;
  /** PEM file of the CA to trust, when the cluster's certificate is not signed by a public CA. */
  caFile?: string;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface TmlConfig {
  /** Where the embedded backbone and local state live. */
  dataDir: string;
  /** Set when the backbone is Kafka; absent means the embedded backbone. */
  kafka?: KafkaSettings;
  topicDefaults: { partitions: number; replicationFactor: number };
  /** The largest record accepted (bytes). */
  maxMessageBytes: number;
  /** Trainings one token may run at once (`TML_MAX_TRAININGS_PER_TOKEN`, default 2). */
  maxTrainingsPerToken: number;
  /** Consumer ids one token may hold (`TML_MAX_REGISTRATIONS_PER_TOKEN`, default 10,000). */
  maxRegistrationsPerToken: number;
  /** A cap on the embedded backbone's stored bytes (`TML_MAX_STORAGE_BYTES`); absent = no cap. */
  maxStorageBytes?: number;
  server: {
    host: string;
    port: number;
    /** HTTPS: PEM files of the certificate (chain) and its private key; absent means plain HTTP. */
    tls?: { cert: string; key: string };
    /**
     * `/metrics` needs an admin token (default true). false serves it to anyone who can reach the
     * server, without the Node version and the per-token failure detail.
     */
    metricsNeedToken?: boolean;
  };
  logLevel: string;
  /**
   * `TML_NAMESPACE`: separates the solutions (catalog, status and registry topics, the workers'
   * consumer group) of several tml deployments on one Kafka cluster. Default: none.
   */
  namespace: string;
  /**
   * The admin token a deployment hands in (`TML_ADMIN_TOKEN`, or the file `TML_ADMIN_TOKEN_FILE`, e.g.
   * a mounted Secret); absent = the server makes one on the first start and writes it to admin.tok.
   */
  adminToken?: string;
  /**
   * How long to wait for unreachable Kafka brokers at start, retrying with backoff
   * (`TML_KAFKA_WAIT_MS`; 0 = fail at once, the default; the container image sets 60 s).
   */
  kafkaWaitMs: number;
  /** The SMTP server that mails alerts (config file `alertMail`); absent: alerts are not mailed. */
  alertMail?: AlertMailSettings;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_MAX_TRAININGS_PER_TOKEN = 2;
export const DEFAULT_MAX_REGISTRATIONS_PER_TOKEN = 10_000;

/** `TML_DEBUG=1` makes the CLI print stack traces. Read here so that no other module reads the environment. */
export function debugEnabled(env: Env = process.env): boolean {
  return env.TML_DEBUG === '1' || env.TML_DEBUG === 'true';
}

function intFrom(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return value;
}

function readFile(path: string): Partial<TmlConfig> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<TmlConfig>;
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
}

/**
 * Builds the configuration: defaults, then the JSON file named by `TML_CONFIG` (or `file`), then
 * environment variables (`TML_DATA_DIR`, `TML_KAFKA_BROKERS`, ...), then explicit overrides (the
 * command line's, e.g. `--data-dir`; a relative `dataDir` is resolved against the working directory).
 */
export function loadConfig(
  env: Env = process.env,
  overrides: Partial<TmlConfig> = {},
  file?: string,
): TmlConfig {
  const fromFile = file || env.TML_CONFIG ? readFile(file ?? (env.TML_CONFIG as string)) : {};
  const base: TmlConfig = {
    dataDir: resolve(fromFile.dataDir ?? './.tml'),
    topicDefaults: { partitions: 1, replicationFactor: 1, ...fromFile.topicDefaults },
    maxMessageBytes: fromFile.maxMessageBytes ?? 1024 * 1024,
    maxTrainingsPerToken: fromFile.maxTrainingsPerToken ?? DEFAULT_MAX_TRAININGS_PER_TOKEN,
    maxRegistrationsPerToken: fromFile.maxRegistrationsPerToken ?? DEFAULT_MAX_REGISTRATIONS_PER_TOKEN,
    server: { host: '127.0.0.1', port: 8000, ...fromFile.server },
    logLevel: fromFile.logLevel ?? 'info',
    namespace: fromFile.namespace ?? '',
    kafkaWaitMs: fromFile.kafkaWaitMs ?? 0,
    ...(fromFile.kafka ? { kafka: fromFile.kafka } : {}),
    ...(fromFile.alertMail
      ? { alertMail: alertMailSettings(fromFile.alertMail, (m) => new ConfigError(m)) }
      : {}),
  };
  if (env.TML_DATA_DIR) base.dataDir = resolve(env.TML_DATA_DIR);
  base.topicDefaults.partitions = intFrom(env, 'TML_DEFAULT_PARTITIONS', base.topicDefaults.partitions);
  base.topicDefaults.replicationFactor = intFrom(
    env,
    'TML_DEFAULT_REPLICATION_FACTOR',
    base.topicDefaults.replicationFactor,
  );
  base.maxMessageBytes = intFrom(env, 'TML_MAX_MESSAGE_BYTES', base.maxMessageBytes, 64);
  base.maxTrainingsPerToken = intFrom(env, 'TML_MAX_TRAININGS_PER_TOKEN', base.maxTrainingsPerToken);
  base.maxRegistrationsPerToken = intFrom(
    env,
    'TML_MAX_REGISTRATIONS_PER_TOKEN',
    base.maxRegistrationsPerToken,
  );
  if (env.TML_MAX_STORAGE_BYTES) {
    base.maxStorageBytes = intFrom(env, 'TML_MAX_STORAGE_BYTES', 0, 1);
  }
  base.server.port = intFrom(env, 'TML_PORT', base.server.port, 0);
  if (env.TML_HOST) base.server.host = env.TML_HOST;
  if (env.TML_TLS_CERT || env.TML_TLS_KEY) {
    base.server.tls = { cert: env.TML_TLS_CERT ?? '', key: env.TML_TLS_KEY ?? '' };
  }
  if (base.server.tls) base.server.tls = tlsFiles(base.server.tls);
  base.server.metricsNeedToken = booleanFrom(
    env,
    'TML_METRICS_NEED_TOKEN',
    base.server.metricsNeedToken ?? true,
  );
  if (env.TML_LOG_LEVEL) base.logLevel = env.TML_LOG_LEVEL;
  if (!LOG_LEVELS.includes(base.logLevel)) {
    throw new ConfigError(`TML_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${base.logLevel}'`);
  }
  base.kafkaWaitMs = intFrom(env, 'TML_KAFKA_WAIT_MS', base.kafkaWaitMs, 0);
  const adminToken = adminTokenFrom(env);
  if (adminToken !== undefined) base.adminToken = adminToken;
  if (env.TML_NAMESPACE !== undefined) base.namespace = env.TML_NAMESPACE;
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(base.namespace ?? '')) {
    throw new ConfigError(
      `TML_NAMESPACE may hold only letters, digits, '.', '_' and '-', got '${base.namespace}'`,
    );
  }
  if (env.TML_KAFKA_BROKERS) {
    const brokers = env.TML_KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (brokers.length === 0) throw new ConfigError('TML_KAFKA_BROKERS is set but names no broker');
    const malformed = brokers.find((b) => !/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(b));
    if (malformed !== undefined) {
      throw new ConfigError(`TML_KAFKA_BROKERS must list host:port pairs, got '${malformed}'`);
    }
    base.kafka = {
      ...base.kafka,
      brokers,
      clientId: base.kafka?.clientId ?? 'tml',
      tls: base.kafka?.tls ?? false,
    };
  }
  if (base.kafka) base.kafka = kafkaFromEnv(env, base.kafka);
  if (overrides.dataDir !== undefined) overrides = { ...overrides, dataDir: resolve(overrides.dataDir) };
  return { ...base, ...overrides };
}

function tlsFiles(tls: { cert?: string; key?: string }): { cert: string; key: string } {
  if (!tls.cert || !tls.key) {
    throw new ConfigError(
      'HTTPS needs both a certificate and a key (TML_TLS_CERT and TML_TLS_KEY, or server.tls)',
    );
  }
  return { cert: resolve(tls.cert), key: resolve(tls.key) };
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
// pino's levels
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `TML_ADMIN_TOKEN`, or the content of the file `TML_ADMIN_TOKEN_FILE`, trimmed; the server checks its form. */
function adminTokenFrom(env: Env): string | undefined {
  if (env.TML_ADMIN_TOKEN && env.TML_ADMIN_TOKEN_FILE) {
    throw new ConfigError('TML_ADMIN_TOKEN and TML_ADMIN_TOKEN_FILE are both set: give one');
  }
  let token = env.TML_ADMIN_TOKEN;
  if (env.TML_ADMIN_TOKEN_FILE) {
    try {
      token = readFileSync(env.TML_ADMIN_TOKEN_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `TML_ADMIN_TOKEN_FILE: cannot read ${env.TML_ADMIN_TOKEN_FILE}: ${(error as Error).message}`,
      );
    }
    if (token.trim() === '')
      throw new ConfigError(`TML_ADMIN_TOKEN_FILE: ${env.TML_ADMIN_TOKEN_FILE} is empty`);
  }
  return token === undefined || token === '' ? undefined : token.trim();
}

function booleanFrom(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1/true or 0/false, got '${env[name]}'`);
}

/**
 * TLS and SASL for Kafka from the environment (Confluent Cloud, MSK): TML_KAFKA_TLS,
 * TML_KAFKA_CA_FILE, TML_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512),
 * TML_KAFKA_SASL_USERNAME, TML_KAFKA_SASL_PASSWORD, TML_KAFKA_CLIENT_ID.
 */
function kafkaFromEnv(env: Env, kafka: KafkaSettings): KafkaSettings {
  const out: KafkaSettings = { ...kafka, tls: booleanFrom(env, 'TML_KAFKA_TLS', kafka.tls ?? false) };
  if (env.TML_KAFKA_CLIENT_ID) out.clientId = env.TML_KAFKA_CLIENT_ID;
  if (env.TML_KAFKA_CA_FILE) out.caFile = resolve(env.TML_KAFKA_CA_FILE);
  const mechanism = env.TML_KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  if (mechanism) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new ConfigError(
        `TML_KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got '${env.TML_KAFKA_SASL_MECHANISM}'`,
      );
    }
    const username = env.TML_KAFKA_SASL_USERNAME;
    const password = env.TML_KAFKA_SASL_PASSWORD;
    if (!username || !password) {
      throw new ConfigError(
        'TML_KAFKA_SASL_MECHANISM is set: TML_KAFKA_SASL_USERNAME and TML_KAFKA_SASL_PASSWORD are needed too',
      );
    }
    out.sasl = { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password };
  }
  return out;
}

/**
 * Where the CLI sends its commands instead of the local backbone: `TML_SERVER`, `TML_TOKEN`,
 * `TML_TOKEN_FILE`, and `TML_SERVER_TIMEOUT_MS` (how long one request may take).
 */
export interface ServerClientSettings {
  server?: string;
  token?: string;
  tokenFile?: string;
  timeoutMs?: number;
}

export function serverClientSettings(env: Env = process.env): ServerClientSettings {
  const settings: ServerClientSettings = {};
  if (env.TML_SERVER?.trim()) settings.server = env.TML_SERVER.trim();
  if (env.TML_TOKEN?.trim()) settings.token = env.TML_TOKEN.trim();
  if (env.TML_TOKEN_FILE?.trim()) settings.tokenFile = env.TML_TOKEN_FILE.trim();
  if (env.TML_SERVER_TIMEOUT_MS) settings.timeoutMs = intFrom(env, 'TML_SERVER_TIMEOUT_MS', 0, 1);
  return settings;
}
