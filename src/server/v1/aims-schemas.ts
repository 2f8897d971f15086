// The /v1 schemas of AiMS (algorithms and insights management): the cluster at a glance, consumers
// and producers with their reads and writes, batch activation, and the rules.
import { Type } from '@sinclair/typebox';
import { TopicName } from './schemas.js';

const Time = Type.Number({ description: 'ms since the epoch' });

export const AimsConsumer = Type.Object({
  consumerId: Type.String(),
  topic: Type.String(),
  groupId: Type.String(),
  active: Type.Boolean(),
  lastReadAt: Type.Optional(Time),
  bytesRead: Type.Integer(),
  recordsRead: Type.Integer(),
  activeDays: Type.Integer({ description: 'Distinct UTC days with a read' }),
  createdAt: Type.String(),
  companyname: Type.String(),
  contactname: Type.String(),
  contactemail: Type.String(),
});

export const AimsProducer = Type.Object({
  topic: Type.String(),
  producerId: Type.Optional(Type.String()),
  active: Type.Boolean(),
  solution: Type.Optional(Type.String({ description: 'The solution that writes this topic' })),
  lastWriteAt: Type.Optional(Time),
  bytesWritten: Type.Integer({ description: 'Through the produce APIs' }),
  recordsWritten: Type.Integer(),
  activeDays: Type.Integer({ description: 'Distinct UTC days with a write through the APIs' }),
  records: Type.Integer({ description: 'Records stored now' }),
  consumers: Type.Integer(),
  companyname: Type.String(),
  contactname: Type.String(),
  location: Type.String(),
  description: Type.String(),
});

export const AimsOverviewReply = Type.Object({
  cluster: Type.Object({
    backbone: Type.String(),
    topics: Type.Integer(),
    consumers: Type.Integer(),
    groups: Type.Integer(),
    activeConsumers: Type.Integer(),
    activeTopics: Type.Integer(),
    bytesIn: Type.Integer({ description: 'Bytes producers wrote through the APIs' }),
    bytesOut: Type.Integer({ description: 'Bytes consumers read through the APIs' }),
  }),
  consumers: Type.Array(AimsConsumer),
  producers: Type.Array(AimsProducer),
});

const MAX_BATCH = 1000;
export const ActivationBody = Type.Object(
  {
    active: Type.Boolean(),
    consumers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_BATCH }),
    ),
    topics: Type.Optional(Type.Array(TopicName, { maxItems: MAX_BATCH })),
  },
  { additionalProperties: false },
);
export const ActivationReply = Type.Object({
  active: Type.Boolean(),
  consumers: Type.Array(Type.String()),
  topics: Type.Array(Type.String()),
});

const Days = Type.Integer({ minimum: 1, maximum: 3650 });
const RuleChange = Type.Object(
  { enabled: Type.Optional(Type.Boolean()), days: Type.Optional(Days) },
  { additionalProperties: false },
);
export const RulesBody = Type.Object(
  {
    alertTopic: Type.Optional(TopicName),
    consumerIdle: Type.Optional(RuleChange),
    unreadSolutions: Type.Optional(RuleChange),
    alertEmails: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 254 }), {
        maxItems: 20,
        description: "Also mail each alert to these (the config file's alertMail server and allowed domains)",
      }),
    ),
    emailFrequencySeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_592_000, description: 'At most one mail per kind this often' }),
    ),
  },
  { additionalProperties: false },
);
const Rule = (description: string) =>
  Type.Object(
    {
      enabled: Type.Boolean(),
      days: Days,
      enabledAt: Type.Optional({
        ...Time,
        description: 'When it was turned on: days count from here at most',
      }),
    },
    { description },
  );
export const RulesReply = Type.Object({
  alertTopic: Type.String({ description: 'Where alert records are written' }),
  consumerIdle: Rule('An alert record when a consumer id has not read for `days` days'),
  unreadSolutions: Rule(
    'Pause a solution whose outputs nobody has read for `days` days; resume it when someone subscribes or reads again',
  ),
  alertEmails: Type.Array(Type.String(), { description: 'Who the alerts are also mailed to' }),
  emailFrequencySeconds: Type.Integer({ description: 'At most one mail per kind this often' }),
});
export const RunReply = Type.Object({
  at: Time,
  alerts: Type.Array(
    Type.Object({
      kind: Type.String({ description: 'consumer-idle, solution-paused or solution-resumed' }),
      at: Time,
      consumerId: Type.Optional(Type.String()),
      solution: Type.Optional(Type.String()),
      topic: Type.Optional(Type.String()),
      idleDays: Type.Optional(Type.Integer()),
      lastReadAt: Type.Optional(Time),
    }),
  ),
  paused: Type.Array(Type.String()),
  resumed: Type.Array(Type.String()),
  mail: Type.Optional(
    Type.Object({
      sent: Type.Integer({ description: 'Mails handed to the mail server (0 or 1)' }),
      reason: Type.Optional(Type.String({ description: 'Why none was: throttled, or the delivery error' })),
    }),
  ),
});
