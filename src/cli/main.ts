// Entry point of the `tml` command (bin/tml.js imports this file). The environment is read by the
// config module only (`env` left out here means process.env there).
import { run } from './program.js';

const code = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

// Exit once stdout and stderr are flushed, without waiting for stray handles (a paused stdin, timers).
process.exitCode = code;
let pending = 2;
const done = () => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
