// The /v1 request and response schemas. They validate requests (Fastify + Ajv), type the handlers
// (Static<>) and become the OpenAPI document: one source for all three.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_TOPIC_NAME_LENGTH } from '../../backbone/topic-name.js';
import { MAX_PARTITIONS } from '../operations/create-topic.js';
import { MAX_CONTACT_CHARS } from '../operations/validate.js';

/** Kafka's topic name rules (backbone/topic-name.ts): the same check, in the schema. */
export const TopicName = Type.String({
  minLength: 1,
  maxLength: MAX_TOPIC_NAME_LENGTH,
  pattern: '^(?!\\.\\.?$)[A-Za-z0-9._-]+$',
  description: "Kafka's topic name rules: ASCII letters, digits, '.', '_' and '-', not '.' or '..'",
});
const Name = TopicName;
/** Offsets and record counts: any integer a JSON number carries exactly. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
/** A device number (VIPER's `topicid`): a 32-bit signed integer, -1 for none. */
export const MAX_TOPIC_ID = 2_147_483_647;
/** A partition index: below the most partitions a topic may have. */
export const MAX_PARTITION = MAX_PARTITIONS - 1;
const Text = Type.String({ maxLength: MAX_CONTACT_CHARS });
const Value = Type.Union([Type.String({ minLength: 1 }), Type.Number()], {
  description: 'A record value: text, or a finite number (written as its decimal text)',
});

export const Contact = {
  companyname: Type.Optional(Text),
  contactname: Type.Optional(Text),
  contactemail: Type.Optional(Text),
  location: Type.Optional(Text),
  description: Type.Optional(Text),
};

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String(),
    parameter: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const TopicParams = Type.Object({ topic: Name });
export const ConsumerParams = Type.Object({ consumerId: Type.String({ minLength: 1, maxLength: 200 }) });
export const GroupParams = Type.Object({ groupId: Type.String({ minLength: 1, maxLength: 200 }) });
export const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const CreateTopicBody = Type.Object(
  {
    topic: Name,
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS })),
    replicationFactor: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    ...Contact,
  },
  { additionalProperties: false },
);
export type CreateTopicBody = Static<typeof CreateTopicBody>;

export const CreateTopicReply = Type.Object({
  topic: Type.String(),
  producerId: Type.String(),
  existed: Type.Boolean(),
});

export const TopicSummary = Type.Object({
  topic: Type.String(),
  partitions: Type.Integer(),
  records: Type.Integer(),
  active: Type.Boolean(),
  registered: Type.Boolean(),
  producerId: Type.Optional(Type.String({ description: 'Shown to admin tokens only' })),
  companyname: Type.String(),
  description: Type.String(),
  createdAt: Type.Optional(Type.String()),
});
export const ListTopicsReply = Type.Object({ topics: Type.Array(TopicSummary) });
export const DeleteTopicReply = Type.Object({ deleted: Type.Array(Type.String()) });
export const ActiveReply = Type.Object({ topic: Type.String(), active: Type.Boolean() });

export const ProduceBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    value: Value,
    identifier: Type.Optional(Text),
  },
  { additionalProperties: false },
);
export type ProduceBody = Static<typeof ProduceBody>;
export const ProduceReply = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  bytesWritten: Type.Integer(),
});

export const ProduceBulkBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    values: Type.Array(Value, { minItems: 1, maxItems: 100000 }),
  },
  { additionalProperties: false },
);
export type ProduceBulkBody = Static<typeof ProduceBulkBody>;
export const ProduceBulkReply = Type.Object({
  topic: Type.String(),
  records: Type.Integer(),
  bytesWritten: Type.Integer(),
  partitions: Type.Array(
    Type.Object({ partition: Type.Integer(), firstOffset: Type.Integer(), lastOffset: Type.Integer() }),
  ),
});

export const SubscribeBody = Type.Object(
  { topic: Name, groupId: Type.Optional(Type.String({ maxLength: 200 })), ...Contact },
  { additionalProperties: false },
);
export type SubscribeBody = Static<typeof SubscribeBody>;
export const ConsumerReply = Type.Object({ consumerId: Type.String(), topic: Type.String() });

export const RecordSchema = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  timestamp: Type.Number(),
  key: Type.Union([Type.String(), Type.Null()]),
  value: Type.Union([Type.String(), Type.Null()]),
});

export const PollBody = Type.Object(
  {
    offset: Type.Optional(
      Type.Integer({
        minimum: -1,
        maximum: MAX_OFFSET,
        description: '-1 (default): continue from the last read',
      }),
    ),
    partition: Type.Optional(
      Type.Integer({ minimum: -1, maximum: MAX_PARTITION, description: '-1 (default): every partition' }),
    ),
    rollbackPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    maxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type PollBody = Static<typeof PollBody>;
export const PollReply = Type.Object({
  topic: Type.String(),
  records: Type.Array(RecordSchema),
  bytesRead: Type.Integer(),
  lastOffset: Type.Integer({ description: 'Offset of the last record returned; -1 when none' }),
});

export const CreateGroupBody = Type.Object(
  {
    groupName: Type.String({ minLength: 1, maxLength: 249 }),
    topics: Type.Array(Name, { minItems: 1 }),
    ...Contact,
  },
  { additionalProperties: false },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;
export const GroupReply = Type.Object({
  groupId: Type.String(),
  groupName: Type.String(),
  topics: Type.Array(Type.String()),
  existed: Type.Boolean(),
});

export const GroupPollBody = Type.Object(
  {
    topic: Name,
    consumerId: Type.String({ minLength: 1, maxLength: 200 }),
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    partition: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_PARTITION })),
    rollbackOffset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
    maxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type GroupPollBody = Static<typeof GroupPollBody>;
export const GroupPollReply = Type.Object({
  groupId: Type.String(),
  topic: Type.String(),
  records: Type.Array(RecordSchema),
  bytesRead: Type.Integer(),
  lastOffset: Type.Integer(),
});

export const StatusReply = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  inFlight: Type.Integer(),
  busy: Type.Boolean(),
  backbone: Type.String(),
  trainings: Type.Integer({ minimum: 0 }),
  maxTrainingsPerToken: Type.Integer({ minimum: 1 }),
  trainingBusy: Type.Boolean(),
});

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')]);
export const CreateTokenBody = Type.Object(
  {
    role: Role,
    label: Type.Optional(Type.String({ maxLength: 200 })),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 315_360_000 })),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;
export const RotateTokenBody = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 315_360_000, description: 'How long the old token keeps working' }),
    ),
  },
  { additionalProperties: false },
);
export type RotateTokenBody = Static<typeof RotateTokenBody>;
export const TokenInfo = Type.Object({
  id: Type.String(),
  role: Role,
  label: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Optional(Type.String()),
  lastUsedAt: Type.Optional(Type.String({ description: 'Recorded to the minute' })),
});
export const CreateTokenReply = Type.Object({
  token: Type.String({ description: 'Shown once; only its SHA-256 is stored' }),
  info: TokenInfo,
});
export const RotateTokenReply = Type.Object({
  token: Type.String({ description: 'Shown once; only its SHA-256 is stored' }),
  info: TokenInfo,
  retired: TokenInfo,
});
export const ListTokensReply = Type.Object({ tokens: Type.Array(TokenInfo) });

/** Error answers every authenticated route may give. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, Type.Ref('Problem')]));
}

export const DetailsBody = Type.Object(Contact, { additionalProperties: false });
export type DetailsBody = Static<typeof DetailsBody>;
export const TopicDetailsReply = Type.Object({ topic: Type.String(), ...Contact, active: Type.Boolean() });
export const ConsumerDetailsReply = Type.Object({
  consumerId: Type.String(),
  topic: Type.String(),
  ...Contact,
});
export const GroupActiveReply = Type.Object({
  groupId: Type.String(),
  groupName: Type.String(),
  active: Type.Boolean(),
});
