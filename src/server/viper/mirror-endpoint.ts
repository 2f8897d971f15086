// writestreamtobrokers (the client's vipermirrorbrokers, viper-protocol.md §2.2): VIPER's parameter
// names read into the mirror operation. VIPER names SASL mechanisms PLAIN, SCRAM256 and SCRAM512; the
// credentials come as `user:password` (the client URL-quotes them). Per-broker settings come as colon
// lists (`snappy:snappy`); tml mirrors one cluster to one cluster, so a list must name one value.
import {
  kafkaCompression,
  type KafkaBackboneOptions,
  type KafkaCompression,
} from '../../backbone/kafka/index.js';
import { ParameterError, showValue } from '../errors.js';
import { mirrorBrokers, type ClusterSide } from '../operations/mirror-brokers.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';

const MECHANISMS: Record<string, NonNullable<KafkaBackboneOptions['sasl']>['mechanism']> = {
  plain: 'plain',
  scram256: 'scram-sha-256',
  'scram-sha-256': 'scram-sha-256',
  scram512: 'scram-sha-512',
  'scram-sha-512': 'scram-sha-512',
};

/** One value of a colon list (`a:a:a`), or undefined when empty; several different values are refused. */
function oneOf(params: ViperParams, name: string): string | undefined {
  const values = [
    ...new Set(
      (params.raw(name) ?? '')
        .split(':')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (values.length > 1) {
    throw new ParameterError(
      name,
      `names ${values.map((v) => `'${showValue(v)}'`).join(', ')}: the brokers of one side are one cluster, with one setting`,
    );
  }
  return values[0];
}

function codec(params: ViperParams, name: string): KafkaCompression | undefined {
  const value = oneOf(params, name)?.toLowerCase();
  if (value === undefined) return undefined;
  const found = kafkaCompression(value);
  if ('error' in found) throw new ParameterError(name, found.error);
  return found.codec;
}

function replicationFactor(params: ViperParams, name: string): number | undefined {
  const value = oneOf(params, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1) {
    throw new ParameterError(name, `must be a replication factor from 1, got '${showValue(value)}'`);
  }
  return Number(value);
}

function side(params: ViperParams, suffix: 'from' | 'to'): ClusterSide {
  const listName = `brokerlist${suffix}`;
  const brokers = params.list(listName);
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new ParameterError(listName, `must list brokers as host:port, got '${showValue(broker)}'`);
    }
  }
  const mechanism = params.string(`sasl${suffix}`, { default: 'none' }).toLowerCase();
  if (mechanism === 'none' || mechanism === 'no') {
    return { brokers, tls: params.bool(`enabletls${suffix}`, { default: false }) };
  }
  const known = MECHANISMS[mechanism];
  if (known === undefined) {
    throw new ParameterError(
      `sasl${suffix}`,
      `must be none, PLAIN, SCRAM256 or SCRAM512, got '${showValue(mechanism)}'`,
    );
  }
  const credentialsName = `brokercloudusernamepass${suffix}`;
  const credentials = params.string(credentialsName);
  const at = credentials.indexOf(':');
  if (at <= 0) throw new ParameterError(credentialsName, 'must be user:password');
  return {
    brokers,
    tls: params.bool(`enabletls${suffix}`, { default: false }),
    sasl: { mechanism: known, username: credentials.slice(0, at), password: credentials.slice(at + 1) },
  };
}

export const mirrorEndpoints: Record<string, ViperEndpoint> = {
  writestreamtobrokers: {
    async run(context, params) {
      const from = side(params, 'from');
      const to = side(params, 'to');
      // the source's codec is kept on the destination unless compressionto names another
      const compressionFrom = codec(params, 'compressionfrom');
      const compression = codec(params, 'compressionto') ?? compressionFrom;
      const clientId = (name: string) => {
        const id = params.string(name, { default: '' });
        if (!/^[\w.-]{0,249}$/.test(id)) {
          throw new ParameterError(
            name,
            `must be a Kafka client id (letters, digits, . _ -), got '${showValue(id)}'`,
          );
        }
        return id === '' ? {} : { clientId: id };
      };
      Object.assign(from, clientId('servicenamefrom'));
      Object.assign(to, clientId('servicenameto'), compression !== undefined ? { compression } : {});
      const replicationFactorFrom = replicationFactor(params, 'replicationfactorfrom');
      const replicationFactorTo = replicationFactor(params, 'replicationfactorto');
      const topics = params.list('topiclist', { default: [] });
      const filters = params.list('filter', { default: [] });
      if (topics.length === 0 && filters.length === 0) {
        throw new ParameterError('topiclist', 'is required (or give filter to copy the topics it matches)');
      }
      const mirrored = await mirrorBrokers(context, {
        from,
        to,
        topics,
        filters,
        partitions: params.int('partitions', { default: 1, min: 1 }),
        ...(replicationFactorTo !== undefined ? { replicationFactorTo } : {}),
        ...(replicationFactorFrom !== undefined ? { replicationFactorFrom } : {}),
        changeReplication: params.int('changereplication', { default: 0 }),
        changePartitionPercent: params.float('changepartitionperc', { default: 0 }),
        rollbackOffset: params.int('rollbackoffset', { default: 0 }),
      });
      return {
        BrokerListFrom: from.brokers.join(','),
        BrokerListTo: to.brokers.join(','),
        Topics: mirrored.map((t) => ({
          Topic: t.topic,
          Partitions: t.partitions,
          Created: t.created,
          Copied: t.copied,
          AlreadyMirrored: t.alreadyMirrored,
        })),
        Copied: mirrored.reduce((sum, t) => sum + t.copied, 0),
        Status: 'success',
      };
    },
  },
};
