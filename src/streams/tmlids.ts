// TMLIDs: the individual objects (devices, patients) raw JSON is about, each named by its uid.
// VIPER keeps them in MySQL (`usemysql=1`) with attributes read at JSON paths (`pathtotmlattrs`,
// `oem=id,lat=subject.reference,long=…,location=…`). tml keeps them where it keeps everything: one
// record per TMLID and call in the compacted topic TMLID_TOPIC, keyed by the TMLID, so a reader of
// its newest record per key has every object tracked with its latest attributes and when it was
// last seen. No MySQL server is needed or used.
import type { Backbone } from '../backbone/types.js';
import { StepInputError } from './errors.js';
import { valueAt, type JsonPath } from './json-criteria.js';

/** The topic tracking TMLIDs (compacted: its newest record per TMLID is the object's state). */
export const TMLID_TOPIC = 'tml-tmlids';

export interface TmlidAttribute {
  name: string;
  path: JsonPath;
}

/** `name=path,name=path`: the attributes read from each object's newest record. */
export function parseTmlidAttributes(text: string): TmlidAttribute[] {
  const out: TmlidAttribute[] = [];
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, Math.max(eq, 0)).trim();
    if (eq <= 0 || !/^[A-Za-z_][\w-]*$/.test(name) || part.slice(eq + 1).trim() === '') {
      throw new StepInputError(
        'attributes',
        `'${part.trim()}' is not <name>=<JSON path> (e.g. lat=location.lat)`,
      );
    }
    if (out.some((a) => a.name === name)) throw new StepInputError('attributes', `names '${name}' twice`);
    const path = part
      .slice(eq + 1)
      .trim()
      .split('.');
    if (path.some((k) => k.trim() === '')) {
      throw new StepInputError('attributes', `'${part.trim()}': the path is not like a.b.0.c`);
    }
    out.push({ name, path: path.map((k) => k.trim()) });
  }
  return out;
}

/** The attributes a JSON document holds (text; a missing one is left out). */
export function attributesOf(
  document: unknown,
  attributes: readonly TmlidAttribute[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes) {
    const v = valueAt(document, a.path);
    if (v !== undefined && v !== null && typeof v !== 'object') out[a.name] = String(v);
  }
  return out;
}

export interface TmlidRecord {
  kind: 'tmlid';
  tmlid: string;
  /** The raw topic the object was seen in. */
  topic: string;
  attributes: Record<string, string>;
  /** The newest of the object's records in the window (epoch ms), and how many there were. */
  lastSeen: number;
  records: number;
  updatedAt: Date;
}

/** Writes one record per TMLID to TMLID_TOPIC (created compacted on first use). */
export async function trackTmlids(backbone: Backbone, records: readonly TmlidRecord[]): Promise<void> {
  if (records.length === 0) return;
  await backbone.ensureTopic({ name: TMLID_TOPIC, partitions: 1, config: { 'cleanup.policy': 'compact' } });
  await backbone.produce(
    TMLID_TOPIC,
    records.map((r) => ({ key: r.tmlid, value: JSON.stringify(r) })),
  );
}
