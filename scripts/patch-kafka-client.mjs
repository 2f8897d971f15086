// Runs after `npm install` (the `postinstall` script). @platformatic/kafka 1.35 — the last 1.x;
// 2.x needs Node >= 22.22 and `engines` keeps 22.19 — throws a TypeError in its read_committed
// filter when a fetched partition holds an abort marker of a producer that the broker's list of
// aborted transactions for that fetch does not name (`abortedRanges.get(producerId)[1] = ...` on
// undefined). It is thrown inside the connection's response handler, so it ends the process: a
// worker died that way after another worker's transaction was aborted (test/solutions/
// kafka.workers.test.ts). The guard skips such a marker: the broker named no records of that
// transaction to filter, which is what the client does when there is no marker at all.
// Idempotent; it never fails an install (a client that changed is reported, not patched).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BROKEN = 'abortedRanges.get(batch.producerId)[1] = batch.firstOffset;';
const GUARDED =
  '/* tml: guarded */ { const range = abortedRanges.get(batch.producerId); if (range !== undefined) range[1] = batch.firstOffset; }';

function clientFile() {
  // the package's exports name no package.json: find its root from its entry point
  let dir = dirname(fileURLToPath(import.meta.resolve('@platformatic/kafka')));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('its package.json was not found');
    dir = dirname(dir);
  }
  return join(dir, 'dist', 'clients', 'consumer', 'consumer.js');
}

try {
  const file = clientFile();
  const source = readFileSync(file, 'utf8');
  if (source.includes(GUARDED)) process.exit(0);
  if (!source.includes(BROKEN)) {
    console.warn(
      `tml: ${file}: the read_committed filter changed; not patched (check it still guards unknown producers)`,
    );
    process.exit(0);
  }
  writeFileSync(file, source.replace(BROKEN, GUARDED));
  console.log('tml: guarded @platformatic/kafka against abort markers of unlisted producers');
} catch (error) {
  console.warn(`tml: @platformatic/kafka not patched: ${error.message}`);
}
