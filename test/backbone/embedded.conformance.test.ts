import { after } from 'node:test';
import { embeddedEnv } from '../helpers/backbones.js';
import { backboneConformance } from './conformance.js';

const env = await embeddedEnv();
after(() => env.cleanup());
backboneConformance('embedded', env.open, env.conformance);

// The same suite with the round-robin assignment strategy and fsync on every commit.
const strict = await embeddedEnv({ assignmentStrategy: 'round-robin', synchronous: 'full' });
after(() => strict.cleanup());
backboneConformance('embedded (round-robin groups, synchronous=full)', strict.open, strict.conformance);
