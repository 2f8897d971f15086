// Starts the crash-writer fixture as a child process, compiled (dist) or through tsx (sources),
// and collects its complete stdout lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Writer {
  child: ChildProcess;
  /** Complete lines printed so far. */
  lines: string[];
  /** Resolves once the child has opened the store and printed `ready`. */
  ready: Promise<void>;
  /** Resolves when the child has exited (with its signal, if any). */
  exited: Promise<NodeJS.Signals | number | null>;
  stderr(): string;
}

export function startWriter(args: string[]): Writer {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const script = fileURLToPath(new URL(`./fixtures/crash-writer.${fromSources ? 'ts' : 'js'}`, here));
  const node = fromSources ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, [...node, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() as string;
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith('ready ')) markReady();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      failReady(new Error(`the writer exited (${signal ?? code}) before it was ready: ${err}`));
      resolve(signal ?? code);
    });
  });
  return { child, lines, ready, exited, stderr: () => err };
}
