// podman for the deployment test: runc with explicit limits (crun refuses some hosts' cgroup
// layouts, and runc needs nofile/nproc given), through a containers.conf of this run, since
// `podman play kube` takes no --ulimit.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const conf = join(mkdtempSync(join(tmpdir(), 'tml-podman-')), 'containers.conf');
writeFileSync(
  conf,
  '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n',
);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman ...args`; resolves with the exit code and both outputs (never rejects). */
export function podman(args: string[], timeoutMs = 300_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      'podman',
      args,
      {
        encoding: 'utf8',
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, CONTAINERS_CONF: conf },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: withoutSystemdNoise(stderr) });
      },
    );
  });
}

/** Like podman(), but fails with the output when the command fails. */
export async function podmanOk(args: string[], timeoutMs?: number): Promise<string> {
  const result = await podman(args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout.trim();
}

/**
 * Without systemd (a container or a plain VM) podman cannot schedule health checks and says so on
 * every start; the checks are run explicitly with `podman healthcheck run` instead.
 */
function withoutSystemdNoise(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.includes('unable to get systemd connection'))
    .join('\n');
}

export const hasPodman = (): Promise<boolean> => podman(['--version'], 30_000).then((r) => r.code === 0);

/** The address of a container (or of a pod's infra container) on a network. */
export async function addressOf(container: string, network: string): Promise<string> {
  const format = `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`;
  const address = await podmanOk(['inspect', '--format', format, container]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`no address for ${container}: '${address}'`);
  return address;
}
