// The compatibility table (src/server/viper/compatibility.json) against the real maadstml client:
// test/python/viper_compat.py calls every HTTP function of the installed client through its own
// transport and checks each call's endpoint, wire parameters and answer against the table; and
// docs/viper-compatibility.md's generated table must be the one the table renders to
// (`npm run docs:viper-compat` rewrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { ensureClient, hasPython, root, runScript } from './python-venv.js';

const TABLE = join(root, 'src/server/viper/compatibility.json');

interface CompatibilityTable {
  acceptedEverywhere: Record<string, string>;
  functions: Record<
    string,
    {
      endpoint: string;
      status: string;
      parameters: string[];
      ignored?: Record<string, string>;
      /** Parameters the client's documentation says VIPER ignores, with its words (viper_compat.py checks). */
      ignoredByViper?: Record<string, string>;
    }
  >;
}

test('docs/viper-compatibility.md holds the table compatibility.json renders to', async () => {
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'scripts/viper-compat-doc.js'), '--check'],
      { cwd: root, encoding: 'utf8' },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
  assert.equal(result.code, 0, result.stderr);
});

test(
  'every HTTP function of maadstml 3.70 answers as compatibility.json says',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClient();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-compat-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const open = () => openBackbone({ dataDir });
    const admin = generateToken('admin', 'compatibility');
    const backbone = await open();
    try {
      await (await openServerStore(backbone)).tokens.put(admin.record.id, admin.record);
    } finally {
      await backbone.close();
    }
    const tokenFile = join(dataDir, 'compat-admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript('viper_compat.py', ['http://127.0.0.1', port, tokenFile, TABLE]);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok?: boolean;
        checks?: number;
        failures?: string[];
        called?: string[];
      };
      assert.deepEqual(
        summary.failures,
        [],
        `viper_compat.py:\n${result.stderr}\n${result.stdout.slice(-4000)}`,
      );
      assert.equal(result.status, 0, result.stderr);
      assert.equal(summary.ok, true);
      // the 45 HTTP functions of maadstml 3.70, each called at least once
      assert.equal(summary.called?.length, 45, JSON.stringify(summary.called));
      // The table against the code: every parameter it calls honoured was read by the endpoint in this
      // run (tml_viper_parameters_read_total counts the names each endpoint looked up).
      const metrics = await server.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${admin.token}` },
      });
      const read = new Set<string>();
      for (const m of metrics.body.matchAll(/^tml_viper_parameters_read_total\{([^}]*)\} /gm)) {
        const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
        read.add(`${labels.endpoint} ${labels.parameter}`);
      }
      const table = JSON.parse(readFileSync(TABLE, 'utf8')) as CompatibilityTable;
      const notRead: string[] = [];
      for (const [name, entry] of Object.entries(table.functions)) {
        if (entry.status === 'unsupported' || entry.endpoint === 'areyoubusy') continue;
        for (const parameter of entry.parameters) {
          const honoured =
            parameter !== 'vipertoken' &&
            !(parameter in table.acceptedEverywhere) &&
            !(parameter in (entry.ignoredByViper ?? {})) &&
            !(parameter in (entry.ignored ?? {}));
          if (honoured && !read.has(`${entry.endpoint} ${parameter}`)) notRead.push(`${name}: ${parameter}`);
        }
      }
      assert.deepEqual(notRead, [], 'parameters the table calls honoured that the endpoint never read');
      // and the other way: a parameter it calls ignored is not read, unless it is only echoed back
      const readButIgnored = Object.entries(table.functions).flatMap(([name, entry]) =>
        Object.entries(entry.ignored ?? {})
          .filter(([p, why]) => read.has(`${entry.endpoint} ${p}`) && !why.startsWith('only echoed'))
          .map(([p]) => `${name}: ${p}`),
      );
      assert.deepEqual(readButIgnored, [], 'parameters the table calls ignored that the endpoint reads');
      process.stderr.write(`# viper compatibility: ${summary.checks} checks\n`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
