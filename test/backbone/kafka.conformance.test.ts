// The Backbone conformance suite on Kafka: the local broker that scripts/run-tests.js starts, or
// the cluster named by TML_KAFKA_BROKERS.
import { describe } from 'node:test';
import { kafkaEnv } from '../helpers/kafka.js';
import { backboneConformance } from './conformance.js';

const env = await kafkaEnv();
if ('unavailable' in env) describe('Backbone conformance: kafka', { skip: env.unavailable }, () => {});
else backboneConformance('kafka', env.open, env.conformance);
