// AiMS's rules, off until an admin turns them on: an alert record when a consumer id has not read
// for N days; a solution whose outputs nobody has read for N days is paused, and resumed when someone
// subscribes to (or reads) one of its outputs again. Days are counted by the context's clock, from
// the latest read, the registration or the rule's being turned on, whichever is latest: turning a
// rule on never acts on the past at once.
import { requireRole } from '../../auth/authenticator.js';
import { ParameterError } from '../../errors.js';
import type { OperationContext } from '../context.js';
import { alertRecipients } from '../stream-analytics.js';
import { checkTopicName } from '../validate.js';
import { consumerKey } from './usage.js';
import type { MailOutcome } from '../../alert-mail.js';
import type { AlertRecord } from '../../../streams/index.js';

export const DAY_MS = 86_400_000;

export interface AimsRules {
  /** Where alerts go, as JSON records (created with one partition when missing). */
  alertTopic: string;
  consumerIdle: { enabled: boolean; days: number; enabledAt?: number };
  unreadSolutions: { enabled: boolean; days: number; enabledAt?: number };
  /** Also mailed to these (the config file's alertMail server and allowed domains), when any. */
  alertEmails?: string[];
  /** At most one mail per kind of alert this often (seconds). */
  emailFrequencySeconds?: number;
}

/** The default mail frequency of AiMS alerts: one an hour per kind at most. */
export const DEFAULT_AIMS_EMAIL_FREQUENCY_SECONDS = 3600;

export const DEFAULT_RULES: AimsRules = {
  alertTopic: 'tml-aims-alerts',
  consumerIdle: { enabled: false, days: 7 },
  unreadSolutions: { enabled: false, days: 30 },
};

/** What the rules did: the consumer ids alerted on (once per idle spell), the solutions paused. */
interface AimsState {
  alerted: Record<string, number>;
  paused: Record<string, number>;
}

export interface AimsAlert {
  kind: 'consumer-idle' | 'solution-paused' | 'solution-resumed';
  at: number;
  consumerId?: string;
  solution?: string;
  topic?: string;
  idleDays?: number;
  lastReadAt?: number;
}

export interface AimsRun {
  at: number;
  alerts: AimsAlert[];
  paused: string[];
  resumed: string[];
  /** The mail of the alerts, when the rules name recipients. */
  mail?: MailOutcome;
}

const now = (context: OperationContext) => (context.clock ?? Date.now)();

export function aimsRules(context: OperationContext): AimsRules {
  requireRole(context.principal, 'admin', 'aimsRules');
  return storedRules(context);
}

function storedRules(context: OperationContext): AimsRules {
  const stored = context.store.aims?.get('rules') as AimsRules | undefined;
  const rules = stored ?? structuredClone(DEFAULT_RULES);
  return {
    ...rules,
    alertEmails: rules.alertEmails ?? [],
    emailFrequencySeconds: rules.emailFrequencySeconds ?? DEFAULT_AIMS_EMAIL_FREQUENCY_SECONDS,
  };
}

export async function setAimsRules(
  context: OperationContext,
  input: {
    alertTopic?: string;
    consumerIdle?: { enabled?: boolean; days?: number };
    unreadSolutions?: { enabled?: boolean; days?: number };
    alertEmails?: string[];
    emailFrequencySeconds?: number;
  },
): Promise<AimsRules> {
  requireRole(context.principal, 'admin', 'setAimsRules');
  const collection = context.store.aims;
  if (collection === undefined) throw new ParameterError('rules', 'this server keeps no AiMS rules');
  const old = storedRules(context);
  const at = now(context);
  const rule = <R extends { enabled: boolean; days: number; enabledAt?: number }>(
    was: R,
    change: { enabled?: boolean; days?: number } | undefined,
  ): R => {
    const enabled = change?.enabled ?? was.enabled;
    const days = change?.days ?? was.days;
    if (!enabled) return { ...was, enabled, days, enabledAt: undefined };
    return { ...was, enabled, days, enabledAt: was.enabled ? (was.enabledAt ?? at) : at };
  };
  const rules: AimsRules = {
    alertTopic:
      input.alertTopic === undefined ? old.alertTopic : checkTopicName(input.alertTopic, 'alertTopic'),
    consumerIdle: rule(old.consumerIdle, input.consumerIdle),
    unreadSolutions: rule(old.unreadSolutions, input.unreadSolutions),
    // checked against the mail server's allowed domains before anything is stored
    alertEmails:
      input.alertEmails === undefined ? old.alertEmails : alertRecipients(context, input.alertEmails),
    emailFrequencySeconds: input.emailFrequencySeconds ?? old.emailFrequencySeconds,
  };
  await collection.put('rules', JSON.parse(JSON.stringify(rules)) as AimsRules);
  return rules;
}

/** Applies the rules once (the server does it every minute; POST /v1/aims/rules/run does it now). */
export async function runAimsRules(context: OperationContext): Promise<AimsRun> {
  requireRole(context.principal, 'admin', 'runAimsRules');
  const at = now(context);
  const run: AimsRun = { at, alerts: [], paused: [], resumed: [] };
  const collection = context.store.aims;
  if (collection === undefined) return run;
  const rules = storedRules(context);
  const state: AimsState = structuredClone(
    (collection.get('state') as AimsState | undefined) ?? { alerted: {}, paused: {} },
  );
  const watching = rules.unreadSolutions.enabled || Object.keys(state.paused).length > 0;
  if (!rules.consumerIdle.enabled && !watching) return run;
  const lastRead = (consumerId: string) =>
    (context.usage?.get(consumerKey(consumerId)) ?? context.store.usage?.get(consumerKey(consumerId)))
      ?.lastAt;
  const consumers = context.store.consumers.values();

  if (rules.consumerIdle.enabled) {
    for (const consumer of consumers) {
      if (consumer.active === false) continue;
      const read = lastRead(consumer.consumerId);
      const since = Math.max(read ?? Date.parse(consumer.createdAt), rules.consumerIdle.enabledAt ?? at);
      if (at - since < rules.consumerIdle.days * DAY_MS || state.alerted[consumer.consumerId] === since)
        continue;
      state.alerted[consumer.consumerId] = since;
      run.alerts.push({
        kind: 'consumer-idle',
        at,
        consumerId: consumer.consumerId,
        topic: consumer.topic,
        idleDays: Math.floor((at - since) / DAY_MS),
        ...(read !== undefined ? { lastReadAt: read } : {}),
      });
    }
  }

  const catalog = await context.solutions();
  for (const solution of watching ? await catalog.list() : []) {
    const outputs = new Set(Object.values(solution.spec.outputs).filter((t) => typeof t === 'string'));
    const readers = consumers.filter((c) => outputs.has(c.topic));
    const latestRead = Math.max(-1, ...readers.map((c) => lastRead(c.consumerId) ?? -1));
    const pausedAt = state.paused[solution.name];
    if (pausedAt !== undefined) {
      if (solution.state === 'running') {
        delete state.paused[solution.name]; // resumed by hand
      } else if (latestRead > pausedAt || readers.some((c) => Date.parse(c.createdAt) > pausedAt)) {
        await catalog.resume(solution.name);
        delete state.paused[solution.name];
        run.resumed.push(solution.name);
        run.alerts.push({ kind: 'solution-resumed', at, solution: solution.name });
      }
      continue;
    }
    if (!rules.unreadSolutions.enabled || solution.state !== 'running') continue;
    const since = Math.max(latestRead, solution.createdAt, rules.unreadSolutions.enabledAt ?? at);
    if (at - since < rules.unreadSolutions.days * DAY_MS) continue;
    await catalog.pause(solution.name);
    state.paused[solution.name] = at;
    run.paused.push(solution.name);
    run.alerts.push({
      kind: 'solution-paused',
      at,
      solution: solution.name,
      idleDays: Math.floor((at - since) / DAY_MS),
      ...(latestRead >= 0 ? { lastReadAt: latestRead } : {}),
    });
  }

  if (run.alerts.length > 0) {
    await context.backbone.ensureTopic({ name: rules.alertTopic, partitions: 1 });
    await context.backbone.produce(
      rules.alertTopic,
      run.alerts.map((alert) => ({
        key: alert.consumerId ?? alert.solution ?? null,
        value: JSON.stringify(alert),
      })),
    );
    const to = rules.alertEmails ?? [];
    if (to.length > 0 && context.alertMailer !== undefined) {
      run.mail = await context.alertMailer.send(
        run.alerts.map(mailable),
        to,
        rules.emailFrequencySeconds ?? DEFAULT_AIMS_EMAIL_FREQUENCY_SECONDS,
      );
    }
  }
  if (JSON.stringify(state) !== JSON.stringify(collection.get('state') ?? { alerted: {}, paused: {} }))
    await collection.put('state', state);
  return run;
}

/** An AiMS alert in the one alert shape the mailer lists. */
function mailable(alert: AimsAlert): AlertRecord {
  const subject = alert.consumerId ?? alert.solution ?? '';
  const message =
    alert.kind === 'consumer-idle'
      ? `consumer id ${subject} has not read topic ${alert.topic ?? ''} for ${alert.idleDays ?? 0} days`
      : alert.kind === 'solution-paused'
        ? `solution ${subject} was paused: nobody read its outputs for ${alert.idleDays ?? 0} days`
        : `solution ${subject} was resumed: someone reads its outputs again`;
  return {
    kind: 'aims',
    source: alert.topic ?? alert.solution ?? '',
    message,
    subject,
    value: alert.idleDays ?? 0,
    threshold: 0,
    details: { ...alert },
    identifier: alert.kind,
    createdAt: new Date(alert.at),
  };
}
