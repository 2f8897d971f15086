// The one place that decides where the commands' topic operations run: on a tml server when one is
// given (--server / TML_SERVER), else on the local backbone.
import type { CommandContext } from '../context.js';
import type { TopicOps } from './types.js';

export async function openTopicOps(context: CommandContext): Promise<TopicOps> {
  const remote = context.remote();
  if (remote !== undefined) {
    const { connect } = await import('../remote/connect.js');
    const { RemoteTopicOps } = await import('./remote.js');
    return new RemoteTopicOps(await connect(remote));
  }
  const { LocalTopicOps } = await import('./local.js');
  const { localAdminContext } = await import('../../server/local-context.js');
  const backbone = await context.openBackbone();
  return new LocalTopicOps(backbone, () => localAdminContext(backbone, context.config()));
}
