// modifytopicdetails, modifyconsumerdetails, activategroup / deactivategroup: changes to what is
// registered. Only the details given change; empty values keep what was there.
import { requireRole } from '../auth/authenticator.js';
import { NotFoundError, ParameterError, showValue } from '../errors.js';
import type {
  ConsumerRegistration,
  ContactDetails,
  GroupRegistration,
  TopicRegistration,
} from '../store/records.js';
import type { OperationContext } from './context.js';
import { checkConsumer, checkContact, describeExisting } from './validate.js';

function merge<T extends ContactDetails>(current: T, changes: Partial<ContactDetails>): T {
  checkContact(changes);
  const next = { ...current };
  for (const key of ['companyname', 'contactname', 'contactemail', 'location', 'description'] as const) {
    const value = changes[key];
    if (value !== undefined && value !== '') next[key] = value;
  }
  return next;
}

export async function modifyTopic(
  context: OperationContext,
  topic: string,
  changes: Partial<ContactDetails>,
): Promise<TopicRegistration> {
  requireRole(context.principal, 'admin', 'modifytopicdetails');
  await describeExisting(context.backbone, topic);
  return context.locks.run(`topic:${topic}`, async () => {
    const current = context.store.topics.get(topic);
    if (current === undefined) {
      throw new NotFoundError(
        'UNREGISTERED_TOPIC',
        `topic '${topic}' was not created through tml (createtopics)`,
        'topic',
      );
    }
    const next = merge(current, changes);
    await context.store.topics.put(topic, next);
    return next;
  });
}

export async function modifyConsumer(
  context: OperationContext,
  consumerId: string,
  topic: string,
  changes: Partial<ContactDetails>,
): Promise<ConsumerRegistration> {
  const current = await checkConsumer(context, consumerId, topic, 'consumerId', false);
  const next = merge(current, changes);
  await context.store.consumers.put(consumerId, next);
  return next;
}

function findGroup(context: OperationContext, groupName: string, groupId: string): GroupRegistration {
  const byId = groupId ? context.store.groups.get(groupId) : undefined;
  const group = byId ?? context.store.groups.values().find((g) => g.groupName === groupName);
  if (group === undefined) {
    throw new NotFoundError(
      'UNKNOWN_GROUP',
      `group '${showValue(groupId || groupName)}' does not exist`,
      groupId ? 'groupId' : 'groupName',
    );
  }
  if (groupName && group.groupName !== groupName) {
    throw new ParameterError(
      'groupName',
      `is '${showValue(groupName)}' but group id '${group.groupId}' is '${group.groupName}'`,
    );
  }
  return group;
}

export async function modifyGroup(
  context: OperationContext,
  groupName: string,
  changes: Partial<ContactDetails>,
): Promise<GroupRegistration> {
  requireRole(context.principal, 'admin', 'modifytopicdetails');
  await context.store.groups.refresh();
  const group = findGroup(context, groupName, '');
  const next = merge(group, changes);
  await context.store.groups.put(group.groupId, next);
  return next;
}

export async function setGroupActive(
  context: OperationContext,
  groupName: string,
  groupId: string,
  active: boolean,
): Promise<GroupRegistration> {
  requireRole(context.principal, 'admin', active ? 'activategroup' : 'deactivategroup');
  if (!groupName && !groupId) throw new ParameterError('groupId', 'is required (or groupname)');
  await context.store.groups.refresh();
  const group = findGroup(context, groupName, groupId);
  const next = { ...group, active };
  await context.store.groups.put(group.groupId, next);
  return next;
}
