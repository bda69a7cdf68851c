/** Attacks: the active ones and the history kept in the state database, newest first. */
import type { AttackSummary } from '../api';
import { attackType, duration, mbps, pps, time } from '../format';
import { useLive } from '../live';
import { useApi } from '../use-api';
import { AttackTable, ErrorBox, href, HostLink, Panel } from '../ui';

interface EndedAttack {
  id: string;
  host: string;
  direction: string;
  type: string;
  group: string;
  startedMs: number;
  endedMs: number | null;
  peak: { pps: number; mbps: number };
}

export function AttacksPage() {
  const l = useLive();
  const { data, error } = useApi<{ active: AttackSummary[]; ended: EndedAttack[] }>('attacks?limit=200', l.changes);
  return (
    <div class="page attacks-page">
      <h1>Attacks</h1>
      <ErrorBox error={error} />
      <Panel title={`Active (${l.status?.attacks.active.length ?? 0})`}>
        <AttackTable attacks={l.status?.attacks.active ?? data?.active ?? []} />
      </Panel>
      <Panel title="Ended">
        {data && data.ended.length === 0 && <p class="muted empty">no attack has ended yet</p>}
        {data && data.ended.length > 0 && (
          <div class="table-wrap">
            <table class="attack-history">
              <thead>
                <tr>
                  <th>host</th>
                  <th>type</th>
                  <th>direction</th>
                  <th>group</th>
                  <th>started</th>
                  <th class="num">duration</th>
                  <th class="num">peak</th>
                </tr>
              </thead>
              <tbody>
                {data.ended.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <HostLink host={a.host} />
                    </td>
                    <td>
                      <a href={href(`/attack/${a.id}`)}>{attackType(a.type)}</a>
                    </td>
                    <td>{a.direction}</td>
                    <td>{a.group}</td>
                    <td>{time(a.startedMs)}</td>
                    <td class="num">{a.endedMs === null ? '–' : duration((a.endedMs - a.startedMs) / 1000)}</td>
                    <td class="num">
                      {pps(a.peak.pps)}, {mbps(a.peak.mbps)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </div>
  );
}
