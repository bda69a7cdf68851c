/**
 * Every active mitigation (blackholes, FlowSpec rules, escalations; dry-run decisions flagged)
 * with its state at each BGP speaker, withdraw and extend buttons (each asks first), the manual
 * FlowSpec form and a manual blackhole form.
 */
import { useState } from 'preact/hooks';
import type { Mitigation, SpeakerStatus } from '../api';
import { BanForm } from '../ban-form';
import { FlowspecForm } from '../flowspec-form';
import { useLive } from '../live';
import { useApi } from '../use-api';
import { ErrorBox, MitigationTable, Panel } from '../ui';

export function MitigationsPage({ query }: { query: URLSearchParams }) {
  const l = useLive();
  const { data, error } = useApi<{ mitigations: Mitigation[]; stats: { active: number; byKind: Record<string, number> } }>('mitigations', l.tick);
  const { data: sp } = useApi<{ speakers: SpeakerStatus[] }>('speakers', l.tick);
  const [filter, setFilter] = useState('');
  const f = filter.trim().toLowerCase();
  const all = data?.mitigations ?? [];
  const list = f ? all.filter((m) => `${m.kind} ${m.host} ${m.routeText} ${m.source} ${m.user ?? ''} ${m.reason}`.toLowerCase().includes(f)) : all;
  const dest = query.get('destination');
  const initial = dest ? (dest.includes('/') ? dest : `${dest}/${dest.includes(':') ? 128 : 32}`) : '';
  return (
    <div class="page mitigations-page">
      <div class="toolbar">
        <h1>Mitigations</h1>
        {data && (
          <span class="muted">
            {data.stats.active} active: {data.stats.byKind.blackhole ?? 0} blackhole, {data.stats.byKind.flowspec ?? 0} FlowSpec, {data.stats.byKind.escalation ?? 0} escalation
          </span>
        )}
        {l.status?.daemon.dryRun && <span class="badge dry">dry run: decisions are recorded, nothing is announced</span>}
      </div>
      <Panel
        title="Active routes"
        id="mitigation-list"
        actions={<input type="search" name="filter" placeholder="filter: host, kind, port…" aria-label="filter mitigations" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} spellcheck={false} />}
      >
        <ErrorBox error={error} />
        <MitigationTable mitigations={list} speakers={sp?.speakers ?? l.status?.speakers ?? []} empty={!data ? 'loading…' : f ? `no active mitigation matches “${filter.trim()}”` : 'no active mitigation'} />
      </Panel>
      <Panel title="New FlowSpec rule" id="flowspec">
        <FlowspecForm key={initial} initialDestination={initial} />
      </Panel>
      <Panel title="Blackhole a host" id="blackhole">
        <BanForm />
      </Panel>
    </div>
  );
}
