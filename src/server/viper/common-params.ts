// Parameter groups several VIPER endpoints read the same way.
import type { OperationContext } from '../operations/context.js';
import type { ViperParams } from './params.js';

/** The contact fields VIPER asks for when registering topics, consumers and groups (all optional). */
export function contact(params: ViperParams) {
  return {
    companyname: params.string('companyname', { default: '' }),
    contactname: params.string('contactname', { default: '' }),
    contactemail: params.string('contactemail', { default: '' }),
    location: params.string('location', { default: '' }),
    description: params.string('description', { default: '' }),
  };
}

/** `numpartitions` and `replicationfactor`, defaulting to the server's topic defaults. */
export function topicShape(context: OperationContext, params: ViperParams) {
  return {
    partitions: params.int('numpartitions', { default: context.limits.topicDefaults.partitions }),
    replicationFactor: params.int('replicationfactor', {
      default: context.limits.topicDefaults.replicationFactor,
    }),
  };
}
