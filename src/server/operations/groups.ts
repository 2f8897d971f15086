// createconsumergroup and consumergroupconsumefromtopic. A group's read positions are the committed
// offsets of the backbone consumer group of the same id, so that several callers sharing a group id
// read each record once between them (calls on one group are serialised in this process).
import { requireRole } from '../auth/authenticator.js';
import { ForbiddenError, NotFoundError, ParameterError, showValue } from '../errors.js';
import { GROUP_ID, newId } from '../ids.js';
import type { ContactDetails, GroupRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { choosePartitions, readRecords, type ReadRecord, type RecordMatch } from './read-records.js';
import { checkActive, checkConsumer, checkContact, describeExisting } from './validate.js';

export interface CreateGroupInput extends Partial<ContactDetails> {
  groupName: string;
  topics: string[];
}

export interface CreateGroupResult {
  group: GroupRegistration;
  existed: boolean;
}

const GROUP_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export async function createGroup(
  context: OperationContext,
  input: CreateGroupInput,
): Promise<CreateGroupResult> {
  requireRole(context.principal, 'admin', 'createconsumergroup');
  checkContact(input);
  if (!GROUP_NAME.test(input.groupName)) {
    throw new ParameterError(
      'groupName',
      `must be 1 to 249 ASCII letters, digits, '.', '_' or '-', got '${showValue(input.groupName)}'`,
    );
  }
  if (input.topics.length === 0) throw new ParameterError('topic', 'is required');
  for (const topic of input.topics) await describeExisting(context.backbone, topic);
  return context.locks.run(`group-name:${input.groupName}`, async () => {
    const existing = context.store.groups.values().find((g) => g.groupName === input.groupName);
    if (existing !== undefined) return { group: existing, existed: true };
    const group: GroupRegistration = {
      groupId: newId(GROUP_ID),
      groupName: input.groupName,
      topics: [...new Set(input.topics)],
      active: true,
      createdAt: new Date().toISOString(),
      companyname: input.companyname ?? '',
      contactname: input.contactname ?? '',
      contactemail: input.contactemail ?? '',
      location: input.location ?? '',
      description: input.description ?? '',
    };
    await context.store.groups.put(group.groupId, group);
    return { group, existed: false };
  });
}

export interface GroupConsumeInput {
  groupId: string;
  topic: string;
  consumerId: string;
  /** >= 0: start there; -1: continue from the group's committed position (earliest when none). */
  offset: number;
  partition: number;
  /** Start this many offsets earlier (VIPER's `rollbackoffset`, a count). */
  rollbackOffset: number;
  maxRecords?: number;
  /** Only the records it accepts are returned; the others are passed over (VIPER's filters). */
  match?: RecordMatch;
}

export interface GroupConsumeResult {
  groupId: string;
  topic: string;
  consumerId: string;
  records: ReadRecord[];
  bytesRead: number;
  lastOffset: number;
}

export async function groupConsume(
  context: OperationContext,
  input: GroupConsumeInput,
): Promise<GroupConsumeResult> {
  if (input.offset < -1)
    throw new ParameterError('offset', `must be -1 (continue) or >= 0, got ${input.offset}`);
  if (input.rollbackOffset < 0) {
    throw new ParameterError('rollbackOffset', `must be a count >= 0, got ${input.rollbackOffset}`);
  }
  let group = context.store.groups.get(input.groupId);
  if (group === undefined) {
    await context.store.groups.refresh();
    group = context.store.groups.get(input.groupId);
  }
  if (group === undefined) {
    throw new NotFoundError(
      'UNKNOWN_GROUP',
      `group id '${showValue(input.groupId)}' does not exist`,
      'groupId',
    );
  }
  if (!group.active) throw new ForbiddenError(`group '${group.groupName}' is deactivated`, 'GROUP_INACTIVE');
  await describeExisting(context.backbone, input.topic);
  if (!group.topics.includes(input.topic)) {
    throw new ForbiddenError(
      `group '${group.groupName}' does not read topic '${input.topic}'`,
      'WRONG_TOPIC',
    );
  }
  await checkConsumer(context, input.consumerId, input.topic);
  checkActive(context.store.topics.get(input.topic), input.topic);
  const maxRecords = Math.min(
    input.maxRecords ?? context.limits.maxConsumeRecords,
    context.limits.maxConsumeRecords,
  );

  return context.locks.run(`group:${group.groupId}`, async () => {
    const offsets = choosePartitions(
      await context.backbone.listOffsets(input.topic),
      input.partition,
      input.topic,
    );
    const committed = new Map(
      (await context.backbone.committedOffsets(group.groupId, input.topic)).map((c) => [
        c.partition,
        c.offset,
      ]),
    );
    const starts = new Map<number, number>();
    for (const p of offsets) {
      const start =
        (input.offset >= 0 ? input.offset : (committed.get(p.partition) ?? p.earliest)) -
        input.rollbackOffset;
      starts.set(p.partition, Math.min(Math.max(start, p.earliest), p.latest));
    }
    const read = await readRecords(context.backbone, input.topic, starts, maxRecords, input.match);
    await context.backbone.commitOffsets(
      group.groupId,
      [...read.next].map(([partition, offset]) => ({ topic: input.topic, partition, offset })),
    );
    context.metrics.recordsConsumed.inc(read.records.length);
    context.usage?.noteRead(input.consumerId, read.bytesRead, read.records.length);
    return {
      groupId: group.groupId,
      topic: input.topic,
      consumerId: input.consumerId,
      records: read.records,
      bytesRead: read.bytesRead,
      lastOffset: read.lastOffset,
    };
  });
}
