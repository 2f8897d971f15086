// JSON criteria (VIPER's `jsoncriteria`): where a raw JSON record keeps its device, its filter, its
// subtopics and their values, display names, time, message id and location. Parts are separated by
// '~', each `name=paths`; paths are dot-separated keys, a number indexes an array (`component.0.code`):
//   uid=subject.reference,filter:resourceType=Observation~subtopics=a.b,c~values=a.v,c.v
//   ~identifiers=a.d,c.d~datetime=effectiveDateTime~msgid=id~latlong=pos.lat:pos.long
import { StepInputError } from './errors.js';

export type JsonPath = readonly string[];

export interface JsonCriteria {
  /** The device a record belongs to (its value becomes the output records' key). */
  uid: JsonPath;
  /** Only records whose value at `path` is `equals` (as text) are read. */
  filter?: { path: JsonPath; equals: string };
  /** Per subtopic, the path to its name and the path to its value (same order). */
  subtopics: JsonPath[];
  values: JsonPath[];
  /** Per subtopic, a path to a display name (optional). */
  identifiers?: JsonPath[];
  datetime?: JsonPath;
  msgid?: JsonPath;
  latlong?: { lat: JsonPath; long: JsonPath };
}

const PARTS = new Set(['uid', 'subtopics', 'values', 'identifiers', 'datetime', 'msgid', 'latlong']);

const bad = (detail: string) => new StepInputError('criteria', detail);

function path(text: string, part: string): JsonPath {
  const keys = text.trim().split('.');
  if (keys.some((k) => k.trim() === ''))
    throw bad(`part '${part}': '${text.trim()}' is not a path like a.b.0.c`);
  return keys.map((k) => k.trim());
}

const paths = (text: string, part: string) => text.split(',').map((p) => path(p, part));

function parseFilter(text: string, part: string): JsonCriteria['filter'] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw bad(`part '${part}': filter '${text}' is not filter:path=value`);
  return { path: path(text.slice(0, eq), part), equals: text.slice(eq + 1).trim() };
}

/** Parses `jsoncriteria`; bad syntax names the part at fault. */
export function parseJsonCriteria(text: string): JsonCriteria {
  const found = new Map<string, string>();
  let filter: JsonCriteria['filter'];
  for (const raw of text.split('~')) {
    const part = raw.trim();
    if (part === '') continue;
    if (part.toLowerCase().startsWith('filter:')) {
      filter = parseFilter(part.slice('filter:'.length), part);
      continue;
    }
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || !PARTS.has(name)) {
      throw bad(`part '${part}' is not one of ${[...PARTS].join('|')}=<paths> or filter:<path>=<value>`);
    }
    if (found.has(name)) throw bad(`part '${name}' is given twice`);
    let body = part.slice(eq + 1);
    if (name === 'uid') {
      // `uid=<path>,filter:<path>=<value>`: the uid part carries the filter in VIPER's examples
      const at = body.toLowerCase().indexOf(',filter:');
      if (at >= 0) {
        filter = parseFilter(body.slice(at + ',filter:'.length), part);
        body = body.slice(0, at);
      }
    }
    found.set(name, body);
  }
  const uid = found.get('uid');
  if (uid === undefined) throw bad(`has no uid=<path> part (in '${text}')`);
  const subtopics = found.get('subtopics');
  const values = found.get('values');
  if (subtopics === undefined || values === undefined) {
    throw bad(`needs subtopics=<paths> and values=<paths> (in '${text}')`);
  }
  const criteria: JsonCriteria = {
    uid: path(uid, 'uid'),
    filter,
    subtopics: paths(subtopics, 'subtopics'),
    values: paths(values, 'values'),
  };
  if (criteria.subtopics.length !== criteria.values.length) {
    throw bad(
      `has ${criteria.subtopics.length} subtopics and ${criteria.values.length} values: each subtopic needs its value`,
    );
  }
  const identifiers = found.get('identifiers');
  if (identifiers !== undefined) {
    criteria.identifiers = paths(identifiers, 'identifiers');
    if (criteria.identifiers.length !== criteria.subtopics.length) {
      throw bad(`has ${criteria.identifiers.length} identifiers for ${criteria.subtopics.length} subtopics`);
    }
  }
  const datetime = found.get('datetime');
  if (datetime !== undefined) criteria.datetime = path(datetime, 'datetime');
  const msgid = found.get('msgid');
  if (msgid !== undefined) criteria.msgid = path(msgid, 'msgid');
  const latlong = found.get('latlong');
  if (latlong !== undefined) {
    const sides = latlong.split(':');
    if (sides.length !== 2) throw bad(`part 'latlong=${latlong}' is not latlong=<lat path>:<long path>`);
    criteria.latlong = { lat: path(sides[0], 'latlong'), long: path(sides[1], 'latlong') };
  }
  return criteria;
}

/** The value at `path` in a parsed JSON document (undefined when any step is missing). */
export function valueAt(document: unknown, at: JsonPath): unknown {
  let node = document;
  for (const key of at) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
