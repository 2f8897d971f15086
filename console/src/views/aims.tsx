// AiMS (algorithms and insights management, admin): the cluster at a glance, who reads each topic
// and when they last did, who writes each topic, batch activate / deactivate, and the rules that
// alert on idle consumers and pause solutions nobody reads. All from /v1/aims, as the SDK sees it.
import { useEffect, useState } from 'preact/hooks';
import type { AimsOverview, AimsRules, AimsRun } from '../../../src/client/aims-types.js';
import { api, ApiError } from '../api.js';
import { Badge, Notice, Table, time } from '../components.js';
import { link } from '../router.js';

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

export function Aims() {
  const [overview, setOverview] = useState<AimsOverview | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [said, setSaid] = useState<string | undefined>();
  const [consumers, setConsumers] = useState(new Set<string>());
  const [topics, setTopics] = useState(new Set<string>());
  const load = () =>
    api<AimsOverview>('GET', '/aims').then(
      (o) => (setOverview(o), setError(undefined)),
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => {
    void load();
    const timer = window.setInterval(load, 5000);
    return () => window.clearInterval(timer);
  }, []);

  const activate = async (active: boolean) => {
    try {
      const done = await api<{ consumers: string[]; topics: string[] }>('POST', '/aims/activation', {
        active,
        consumers: [...consumers],
        topics: [...topics],
      });
      setSaid(
        `${active ? 'Activated' : 'Deactivated'} ${done.consumers.length} consumer ids and ${done.topics.length} topics.`,
      );
      setConsumers(new Set());
      setTopics(new Set());
      await load();
    } catch (e) {
      setSaid(errorText(e));
    }
  };
  const picked = consumers.size + topics.size;
  const cluster = overview?.cluster;
  return (
    <section aria-labelledby="aims-title">
      <h1 id="aims-title">AiMS: algorithms and insights</h1>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      {cluster && (
        <div class="facts" data-testid="aims-cluster">
          <span>
            backbone <strong>{cluster.backbone}</strong>
          </span>
          <span>
            topics <strong>{cluster.topics}</strong> ({cluster.activeTopics} active)
          </span>
          <span>
            consumers <strong data-testid="aims-consumers">{cluster.consumers}</strong> (
            {cluster.activeConsumers} active)
          </span>
          <span>
            groups <strong>{cluster.groups}</strong>
          </span>
          <span>
            KB in <strong>{kb(cluster.bytesIn)}</strong>
          </span>
          <span>
            KB out <strong>{kb(cluster.bytesOut)}</strong>
          </span>
        </div>
      )}
      <div class="actions" role="group" aria-label="Batch actions">
        <span>{picked} selected</span>
        <button type="button" disabled={picked === 0} onClick={() => activate(true)}>
          Activate
        </button>
        <button type="button" class="danger" disabled={picked === 0} onClick={() => activate(false)}>
          Deactivate
        </button>
      </div>
      {said && <Notice kind="info">{said}</Notice>}
      {overview && (
        <>
          <h2>Consumers</h2>
          <Table
            caption="Consumer ids with their last read"
            name="aims-consumers"
            rows={overview.consumers}
            rowKey={(c) => c.consumerId}
            selection={{ keys: consumers, set: setConsumers }}
            empty="No consumer ids subscribed."
            columns={[
              {
                label: 'active',
                value: (c) => c.active,
                render: (c) => (
                  <Badge kind={c.active ? 'running' : 'paused'}>{c.active ? 'active' : 'off'}</Badge>
                ),
              },
              { label: 'topic', value: (c) => c.topic },
              { label: 'last read', value: (c) => (c.lastReadAt ? time(c.lastReadAt) : 'never') },
              { label: 'KB read', value: (c) => kb(c.bytesRead) },
              { label: 'active days', value: (c) => c.activeDays },
              { label: 'consumer id', value: (c) => c.consumerId },
              { label: 'group', value: (c) => c.groupId },
              { label: 'company', value: (c) => c.companyname },
              { label: 'contact', value: (c) => c.contactname },
              { label: 'e-mail', value: (c) => c.contactemail },
            ]}
          />
          <h2>Producers (topics)</h2>
          <Table
            caption="Topics with their last write"
            name="aims-producers"
            rows={overview.producers}
            rowKey={(p) => p.topic}
            selection={{ keys: topics, set: setTopics }}
            empty="No topics."
            columns={[
              {
                label: 'active',
                value: (p) => p.active,
                render: (p) => (
                  <Badge kind={p.active ? 'running' : 'paused'}>{p.active ? 'active' : 'off'}</Badge>
                ),
              },
              { label: 'topic', value: (p) => p.topic },
              {
                label: 'solution',
                value: (p) => p.solution ?? '',
                render: (p) => (p.solution ? <a href={link('solutions', p.solution)}>{p.solution}</a> : '–'),
              },
              { label: 'last write', value: (p) => (p.lastWriteAt ? time(p.lastWriteAt) : 'never') },
              { label: 'KB written', value: (p) => kb(p.bytesWritten) },
              { label: 'active days', value: (p) => p.activeDays },
              { label: 'records', value: (p) => p.records },
              { label: 'consumers', value: (p) => p.consumers },
              { label: 'producer id', value: (p) => p.producerId ?? '' },
              { label: 'company', value: (p) => p.companyname },
              { label: 'description', value: (p) => p.description },
            ]}
          />
        </>
      )}
      <Rules />
    </section>
  );
}

function Rules() {
  const [rules, setRules] = useState<AimsRules | undefined>();
  const [said, setSaid] = useState<string | undefined>();
  useEffect(() => {
    api<AimsRules>('GET', '/aims/rules').then(setRules, (e: unknown) => setSaid(errorText(e)));
  }, []);
  if (rules === undefined) return said ? <Notice kind="error">{said}</Notice> : null;
  const save = async () => {
    try {
      setRules(
        await api<AimsRules>('PUT', '/aims/rules', {
          alertTopic: rules.alertTopic,
          consumerIdle: { enabled: rules.consumerIdle.enabled, days: rules.consumerIdle.days },
          unreadSolutions: { enabled: rules.unreadSolutions.enabled, days: rules.unreadSolutions.days },
          alertEmails: rules.alertEmails,
        }),
      );
      setSaid('Rules saved.');
    } catch (e) {
      setSaid(errorText(e));
    }
  };
  const run = async () => {
    try {
      const done = await api<AimsRun>('POST', '/aims/rules/run');
      setSaid(
        `Rules applied: ${done.alerts.length} alerts, ${done.paused.length} solutions paused, ${done.resumed.length} resumed.` +
          (done.mail === undefined
            ? ''
            : done.mail.sent > 0
              ? ' Mailed.'
              : ` Not mailed: ${done.mail.reason ?? 'no alert'}.`),
      );
    } catch (e) {
      setSaid(errorText(e));
    }
  };
  const rule = (which: 'consumerIdle' | 'unreadSolutions', label: string) => (
    <fieldset>
      <legend>{label}</legend>
      <label class="inline">
        <input
          type="checkbox"
          checked={rules[which].enabled}
          onChange={(e) =>
            setRules({
              ...rules,
              [which]: { ...rules[which], enabled: (e.target as HTMLInputElement).checked },
            })
          }
        />{' '}
        on
      </label>{' '}
      <label class="inline">
        after{' '}
        <input
          type="number"
          min={1}
          max={3650}
          value={rules[which].days}
          onChange={(e) =>
            setRules({
              ...rules,
              [which]: { ...rules[which], days: Number((e.target as HTMLInputElement).value) },
            })
          }
        />{' '}
        days
      </label>
    </fieldset>
  );
  return (
    <>
      <h2>Rules</h2>
      <p>Off until turned on; days count from the latest read, or from when a rule was turned on.</p>
      {rule('consumerIdle', 'Alert when a consumer id has not read for N days')}
      {rule(
        'unreadSolutions',
        'Pause a solution whose outputs nobody has read for N days (resumed on a new reader)',
      )}
      <label class="inline">
        Alert topic{' '}
        <input
          type="text"
          value={rules.alertTopic}
          onChange={(e) => setRules({ ...rules, alertTopic: (e.target as HTMLInputElement).value })}
        />
      </label>{' '}
      <label class="inline">
        Also mail to{' '}
        <input
          type="text"
          placeholder="ops@example.com, … (the server's alertMail domains)"
          value={(rules.alertEmails ?? []).join(', ')}
          onChange={(e) =>
            setRules({
              ...rules,
              alertEmails: (e.target as HTMLInputElement).value
                .split(',')
                .map((a) => a.trim())
                .filter((a) => a !== ''),
            })
          }
        />
      </label>
      <div class="actions">
        <button type="button" onClick={save}>
          Save rules
        </button>
        <button type="button" onClick={run}>
          Apply rules now
        </button>
      </div>
      {said && <Notice kind="info">{said}</Notice>}
    </>
  );
}
