/* global fetch */
// The container's health check: `tml serve` is healthy when GET /healthz answers 200 (the backbone
// answered a topic listing). A `tml worker` has no HTTP port: while its process runs it is in its
// consumer group, and Kafka's session timeout hands its solutions on when it stops answering.
import { readFileSync } from 'node:fs';

const command = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
if (command.includes('worker')) process.exit(0);
const port = process.env.TML_PORT || '8000';
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
