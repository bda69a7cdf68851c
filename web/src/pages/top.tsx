/**
 * Top talkers: the hosts with the highest exponential average of packets, bits or flows per
 * second, incoming and outgoing side by side, refreshed every daemon second. A row opens the
 * host's page.
 */
import { useState } from 'preact/hooks';
import type { Direction, TopHost } from '../api';
import { mbps, pps, si } from '../format';
import { useLive } from '../live';
import { useApi } from '../use-api';
import { ErrorBox, href, HostLink, Panel } from '../ui';

type Metric = 'pps' | 'mbps' | 'flows';
const METRICS: Array<{ value: Metric; label: string }> = [
  { value: 'pps', label: 'packets/s' },
  { value: 'mbps', label: 'bits/s' },
  { value: 'flows', label: 'flows/s' },
];

function TopTable({ direction, metric, tick }: { direction: Direction; metric: Metric; tick: number }) {
  const { data, error } = useApi<{ hosts: TopHost[] }>(`traffic/top?direction=${direction}&metric=${metric}&limit=25`, tick);
  const hosts = data?.hosts ?? [];
  const value = (h: TopHost) => (metric === 'pps' ? h.pps : metric === 'mbps' ? h.mbps : (h.flows ?? 0));
  const max = Math.max(1e-9, ...hosts.map(value));
  return (
    <Panel title={direction === 'incoming' ? 'Incoming' : 'Outgoing'} id={`top-${direction}`}>
      <ErrorBox error={error} />
      {!error && hosts.length === 0 && <p class="muted empty">{data ? 'no traffic' : 'loading…'}</p>}
      {hosts.length > 0 && (
        <div class="table-wrap">
          <table class="top">
            <thead>
              <tr>
                <th>#</th>
                <th>host</th>
                <th class="bar-col">average</th>
                <th class="num">packets/s</th>
                <th class="num">bits/s</th>
                <th class="num">flows/s</th>
                <th class="num">last second</th>
              </tr>
            </thead>
            <tbody>
              {hosts.map((h, i) => (
                <tr key={h.host} data-host={h.host} class={h.attackId ? 'active-attack clickable' : 'clickable'} onClick={(e) => (e.target as HTMLElement).tagName !== 'A' && (location.hash = href(`/host/${h.host}`))}>
                  <td class="muted">{i + 1}</td>
                  <td>
                    <HostLink host={h.host} />
                    {h.attackId && (
                      <a class="badge alert" href={href(`/attack/${h.attackId}`)}>
                        attack
                      </a>
                    )}
                  </td>
                  <td class="bar-col">
                    <span class="bar-track">
                      <span class="bar-fill" style={{ width: `${(value(h) / max) * 100}%` }} />
                    </span>
                  </td>
                  <td class="num">{si(h.pps)}</td>
                  <td class="num">{mbps(h.mbps)}</td>
                  <td class="num">{h.flows === null ? '–' : si(h.flows)}</td>
                  <td class="muted num" title={`last second: ${pps(h.current.pps)}, ${mbps(h.current.mbps)}`}>
                    {metric === 'mbps' ? mbps(h.current.mbps) : pps(h.current.pps)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

export function TopTalkers() {
  const l = useLive();
  const [metric, setMetric] = useState<Metric>('pps');
  return (
    <div class="page top-talkers">
      <div class="toolbar">
        <h1>Top talkers</h1>
        <div class="segmented" role="radiogroup" aria-label="rank by">
          {METRICS.map((m) => (
            <button type="button" key={m.value} class={metric === m.value ? 'seg selected' : 'seg'} aria-pressed={metric === m.value} data-metric={m.value} onClick={() => setMetric(m.value)}>
              {m.label}
            </button>
          ))}
        </div>
        <span class="muted">ranked by the exponential average the detector compares with thresholds</span>
      </div>
      <div class="two-col">
        <TopTable direction="incoming" metric={metric} tick={l.tick} />
        <TopTable direction="outgoing" metric={metric} tick={l.tick} />
      </div>
    </div>
  );
}
