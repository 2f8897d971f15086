// Test driver for `consume --follow`: holds the embedded backbone, runs the CLI's
// `consume <topic> --follow --json` on it, and appends every line of stdin to the topic.
// Usage: node follow-driver.js <data-dir> <topic>. Ends (exit code of the CLI) after SIGINT.
import { createInterface } from 'node:readline';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { run } from '../../src/cli/program.js';

const [dataDir, topic] = process.argv.slice(2);
const backbone = await openBackbone({ dataDir });
await backbone.createTopic({ name: topic });
// The CLI closes what it opens; the driver keeps the backbone for its own appends.
const shared = new Proxy(backbone, {
  get(target, property) {
    if (property === 'close') return async () => {};
    const value = Reflect.get(target, property, target) as unknown;
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as Backbone;

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  backbone
    .produce(topic, [{ value: line }])
    .catch((error: Error) => process.stderr.write(`${error.message}\n`));
});

const code = await run(['--data-dir', dataDir, 'consume', topic, '--follow', '--json'], {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  openBackbone: async () => shared,
});
lines.close();
await backbone.close();
process.exit(code);
