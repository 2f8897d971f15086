// `tml serve` on the embedded backbone in a process of its own, for the benches that load it from
// outside (bench/server.ts, bench/soak.ts): started on a free port, its address read from its log.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ownCli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

/**
 * `checkout`: another built tml checkout whose server to start instead of this one (a before/after
 * comparison runs the same bench against both).
 */
export async function startServeProcess(
  dataDir: string,
  timeoutMs = 60_000,
  checkout?: string,
): Promise<{ child: ChildProcess; url: string }> {
  const cli = checkout === undefined ? ownCli : resolve(checkout, 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, '--data-dir', dataDir, 'serve', '--port', '0'], {
    env: { ...process.env, TML_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere.
 * A server's CPU per request is steadier than its requests/s on a shared machine: other work slows
 * the server's clock time, not the CPU each request takes.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

// USER_HZ: 100 on every Linux architecture Node runs on (sysconf(_SC_CLK_TCK) is not exposed).
const CLOCK_TICKS_PER_SECOND = 100;
