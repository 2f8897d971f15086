// `tml demo` in a child process on a fresh data directory, as `npm start` runs it: the console tests
// and the console bench open it in a browser. Answers its URL, the admin token and a stop function.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/tml.js', import.meta.url).pathname;

export interface DemoServer {
  url: string;
  adminToken: string;
  dataDir: string;
  output: () => string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startDemo(args: string[]): Promise<DemoServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-console-'));
  // the demo runs on the embedded backbone of its data directory, whatever the test runner's setting
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TML_')));
  const child = spawn(
    process.execPath,
    [bin, 'demo', '--data-dir', dataDir, '--port', '0', '--no-view', ...args],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tml demo did not start in 60 s:\n${out}`)), 60_000);
    const look = () => {
      const match = /console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tml demo exited (${code}):\n${out}`));
    });
  });
  const adminToken = (await readFile(join(dataDir, 'admin.tok'), 'utf8')).trim();
  return {
    url,
    adminToken,
    dataDir,
    output: () => out,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A /v1 call with a Bearer token. */
export async function v1<T>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}
