// Consumer groups: state, members, and lag per partition (admin).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Notice, Table } from '../components.js';

interface Group {
  groupId: string;
  state: string;
  members: number;
  lag: number;
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag: number }>;
}

export function Groups() {
  const [groups, setGroups] = useState<Group[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<{ groups: Group[] }>('GET', '/consumer-groups').then(
        (r) => !stopped && (setGroups(r.groups), setError(undefined)),
        (e: unknown) => !stopped && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = window.setInterval(load, 3000);
    return () => ((stopped = true), window.clearInterval(timer));
  }, []);
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Consumer groups</h1>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      {groups && (
        <Table
          caption="Consumer groups and their lag"
          name="consumer-groups"
          rows={groups}
          rowKey={(g) => g.groupId}
          empty="No consumer groups."
          columns={[
            { label: 'group', value: (g) => g.groupId },
            { label: 'state', value: (g) => g.state },
            { label: 'members', value: (g) => g.members },
            { label: 'lag', value: (g) => g.lag },
            {
              label: 'partitions (committed / end)',
              value: (g) =>
                g.partitions.map((p) => `${p.topic}/${p.partition}: ${p.committed}/${p.end}`).join('; '),
            },
          ]}
        />
      )}
    </section>
  );
}
