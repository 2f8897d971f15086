// A `tml serve` child process for tests that need real servers (several on one Kafka cluster): it
// is started with its own data directory and stopped by its PID when the test ends.
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { dataDir, killAfter, startTml } from '../cli/tml.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** What it wrote to stderr so far (its log and notes). */
  log(): string;
  /** SIGTERM, then waits for the exit (a graceful shutdown). */
  stop(): Promise<void>;
}

export async function startServe(
  t: TestContext,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServeProcess> {
  const child = killAfter(t, startTml(dataDir(t), ['serve', '--port', '0'], { env }));
  child.stdin?.end();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'serving on' line; stderr: ${stderr}`)), timeoutMs);
    const seen = (): void => {
      const match = /serving on (https?:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stderr?.on('data', seen);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tml serve exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    child,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
