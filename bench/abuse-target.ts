// `tml serve` made ready for the abuse run: its own process on the embedded backbone, a topic for
// the good producer, and a model trained through the seed flow for the good predictor.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AbuseTarget } from './abuse-load.js';
import { json, trainSeedModel } from './seed-model.js';
import { startServeProcess } from './serve-process.js';

export async function startAbuseTarget(
  dataDir: string,
): Promise<{ target: AbuseTarget; child: ChildProcess; stop: () => Promise<void> }> {
  const { child, url } = await startServeProcess(dataDir, 60_000);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const adminToken = readFileSync(join(dataDir, 'admin.tok'), 'utf8').trim();
    const created = await json(`${url}/v1/topics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'abuse-in' }),
    });
    const flow = await trainSeedModel(url, adminToken);
    return {
      child,
      stop,
      target: {
        url,
        adminToken,
        topic: 'abuse-in',
        producerId: String(created.producerId),
        algokey: flow.algokey,
        predictionsTopic: flow.v1Predictions,
        predictionsProducerId: flow.v1PredictionsProducer,
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
