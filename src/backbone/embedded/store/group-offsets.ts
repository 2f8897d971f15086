// Consumer groups' committed offsets.
import type Database from 'better-sqlite3';

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}

/** One group's offsets to commit. */
export interface GroupOffsets {
  groupId: string;
  offsets: OffsetToCommit[];
}

export interface CommittedOffsetRow {
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

export interface GroupOffsetRows {
  /** Writes the offsets inside the caller's transaction. */
  write(groupId: string, offsets: OffsetToCommit[], now: number): void;
  /** Writes the offsets in a transaction of their own. */
  commit(groupId: string, offsets: OffsetToCommit[], now: number): void;
  committed(groupId: string, topic?: string): CommittedOffsetRow[];
  groups(): string[];
}

type Row = [string, string, number, number, string | null];

export function groupOffsetRows(db: Database.Database): GroupOffsetRows {
  const insert = db.prepare<{
    groupId: string;
    topic: string;
    partition: number;
    offset: number;
    metadata: string | null;
    now: number;
  }>(`INSERT OR REPLACE INTO group_offsets (group_id, topic, partition, offset, metadata, committed_at)
      VALUES (:groupId, :topic, :partition, :offset, :metadata, :now)`);
  const committedAll = db
    .prepare<{ groupId: string }>(
      `SELECT group_id, topic, partition, offset, metadata FROM group_offsets WHERE group_id = :groupId
       ORDER BY topic, partition`,
    )
    .raw(true);
  const committedTopic = db
    .prepare<{ groupId: string; topic: string }>(
      `SELECT group_id, topic, partition, offset, metadata FROM group_offsets
       WHERE group_id = :groupId AND topic = :topic ORDER BY partition`,
    )
    .raw(true);
  const groups = db.prepare(`SELECT DISTINCT group_id FROM group_offsets ORDER BY group_id`).raw(true);

  const write = (groupId: string, offsets: OffsetToCommit[], now: number): void => {
    for (const o of offsets) {
      insert.run({
        groupId,
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        metadata: o.metadata ?? null,
        now,
      });
    }
  };
  return {
    write,
    commit: db.transaction(write),
    committed(groupId, topic) {
      const rows = (
        topic === undefined ? committedAll.all({ groupId }) : committedTopic.all({ groupId, topic })
      ) as Row[];
      return rows.map(([g, t, p, o, m]) => ({ groupId: g, topic: t, partition: p, offset: o, metadata: m }));
    },
    groups: () => (groups.all() as [string][]).map((r) => r[0]),
  };
}
