/**
 * One host: per-second rates by protocol (GET /hosts/:ip/history: the daemon records seconds of
 * a host once it is followed — under attack, or asked for here), the thresholds of its group
 * against its current rates, its attacks, its mitigations and a manual ban form.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, CATEGORIES, type Category, type Direction, type HostInfo, type HostSecond, type Thresholds } from '../api';
import { BanForm } from '../ban-form';
import { categorySeries, TimeChart } from '../chart';
import { ask } from '../dialog';
import { attackType, mbps, metricLabel, metricValue, pps, si, time } from '../format';
import { live, useLive } from '../live';
import { useApi } from '../use-api';
import { AttackTable, Badge, ErrorBox, flash, href, MitigationTable, Panel } from '../ui';

const KEEP = 600;

/** The host's recorded seconds: all of them once, then the last few every tick, merged. */
export function useHostHistory(ip: string | null, tick: number): { seconds: HostSecond[]; error: Error | null } {
  const [seconds, setSeconds] = useState<HostSecond[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const loaded = useRef<string | null>(null);
  const busy = useRef(false);
  const current = useRef(ip);
  current.current = ip;
  useEffect(() => {
    if (loaded.current !== ip) {
      loaded.current = null;
      setSeconds([]);
    }
  }, [ip]);
  useEffect(() => {
    if (ip === null || busy.current) return;
    busy.current = true;
    const first = loaded.current !== ip;
    api<{ seconds: HostSecond[] }>(`hosts/${encodeURIComponent(ip)}/history?seconds=${first ? 300 : 5}`)
      .then((r) => {
        if (current.current !== ip) return;
        loaded.current = ip;
        setError(null);
        setSeconds((old) => {
          const base = first ? [] : old;
          const lastMs = base.length ? base[base.length - 1].atMs : -Infinity;
          const merged = [...base, ...r.seconds.filter((s) => s.atMs > lastMs)];
          return merged.length > KEEP ? merged.slice(-KEEP) : merged;
        });
      })
      .catch((e: Error) => current.current === ip && setError(e))
      .finally(() => {
        busy.current = false;
      });
  }, [ip, tick]);
  return { seconds, error };
}

export function hostChartData(seconds: HostSecond[], dir: Direction, unit: 'pps' | 'bps', cats: Category[] = CATEGORIES): number[][] {
  return [seconds.map((s) => s.atMs / 1000), ...cats.map((c) => seconds.map((s) => s[dir][c][unit]))];
}

const METRIC_ORDER = ['pps', 'mbps', 'flows', 'tcp_pps', 'tcp_mbps', 'syn_pps', 'syn_mbps', 'udp_pps', 'udp_mbps', 'icmp_pps', 'icmp_mbps', 'fragments_pps', 'fragments_mbps'];

function currentOf(metric: string, s: HostSecond | null, dir: Direction): number | null {
  if (!s) return null;
  const d = s[dir];
  if (metric === 'flows') return d.flows;
  const [cat, unit] = metric.includes('_') ? metric.split('_') : ['total', metric];
  const r = d[cat as Category];
  if (!r) return null;
  return unit === 'pps' ? r.pps : r.bps / 1e6;
}

function ThresholdTable({ info }: { info: HostInfo }) {
  const t = info.thresholds;
  if (!t) return <p class="muted">this host is not in a monitored network: no thresholds apply</p>;
  const rows = METRIC_ORDER.filter((m) => typeof t.incoming[m] === 'number' || typeof t.outgoing[m] === 'number');
  const cell = (th: Thresholds, dir: Direction, m: string) => {
    const limit = th[m];
    if (typeof limit !== 'number') return <td class="muted">–</td>;
    const cur = currentOf(m, info.lastSecond, dir);
    const avg = info[dir]?.average[m];
    const ratio = cur === null ? 0 : cur / limit;
    return (
      <td class={ratio >= 1 ? 'over' : ratio >= 0.7 ? 'near' : ''}>
        <b>{metricValue(m, limit)}</b>
        <div class="muted small">
          now {cur === null ? '–' : metricValue(m, cur)}
          {avg !== undefined && `, avg ${metricValue(m, avg)}`}
        </div>
      </td>
    );
  };
  return (
    <>
      <p class="muted">
        group <b>{info.group}</b>
        {t.incoming.enabled === false && ' — incoming detection disabled'}
        {t.outgoing.enabled === false && ' — outgoing detection disabled'}
      </p>
      <div class="table-wrap">
        <table class="thresholds">
          <thead>
            <tr>
              <th>threshold</th>
              <th>incoming</th>
              <th>outgoing</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m} data-metric={m}>
                <td>{metricLabel(m)}</td>
                {cell(t.incoming, 'incoming', m)}
                {cell(t.outgoing, 'outgoing', m)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

async function unbanAll(host: string): Promise<void> {
  const ok = await ask({ title: `Withdraw every mitigation of ${host}?`, body: <p>Every blackhole and FlowSpec route placed for {host} is withdrawn from every speaker.</p>, confirm: 'Withdraw all', danger: true });
  if (!ok) return;
  try {
    const r = await api<{ removed: unknown[] }>(`hosts/${encodeURIComponent(host)}/mitigations`, { method: 'DELETE', body: { reason: 'unbanned from the dashboard' } });
    flash('ok', `${host}: ${r.removed.length} mitigation${r.removed.length === 1 ? '' : 's'} withdrawn`);
    live.changed();
  } catch (e) {
    flash('error', `unban ${host} failed: ${(e as Error).message}`);
  }
}

export function HostPage({ ip }: { ip: string }) {
  const l = useLive();
  const { data: info, error } = useApi<HostInfo>(`hosts/${encodeURIComponent(ip)}?wait=false`, l.tick);
  const { seconds, error: histError } = useHostHistory(ip, l.tick);
  const charts = useMemo(
    () => ({
      inPps: hostChartData(seconds, 'incoming', 'pps'),
      inBps: hostChartData(seconds, 'incoming', 'bps'),
      outPps: hostChartData(seconds, 'outgoing', 'pps'),
      outBps: hostChartData(seconds, 'outgoing', 'bps'),
    }),
    [seconds],
  );
  const series = categorySeries(CATEGORIES);
  const last = seconds[seconds.length - 1] ?? info?.lastSecond ?? null;
  return (
    <div class="page host">
      <div class="toolbar">
        <h1 class="mono">{ip}</h1>
        {info && (
          <>
            {info.network ? <Badge kind="info">network {info.network}</Badge> : <Badge kind="warn">not in a monitored network</Badge>}
            {info.allowListed && <Badge kind="warn">allow-listed: never mitigated</Badge>}
            {info.attacks.active.length > 0 && <Badge kind="alert">under attack</Badge>}
            {!info.known && <Badge kind="dry">no traffic seen</Badge>}
          </>
        )}
        {last && (
          <span class="muted">
            in {pps(last.incoming.total.pps)} / {si(last.incoming.total.bps, 'bit/s')} · out {pps(last.outgoing.total.pps)} / {si(last.outgoing.total.bps, 'bit/s')}
          </span>
        )}
      </div>
      <ErrorBox error={error} what="host" />
      <Panel title="Traffic by protocol" actions={<span class="muted">{seconds.length ? `${seconds.length} s recorded, per second` : 'recording starts now: the daemon follows a host once it is asked for'}</span>}>
        <ErrorBox error={histError} what="history" />
        <div class="chart-grid">
          <TimeChart id="host-in-pps" title="Incoming packets/s" series={series} data={charts.inPps} format={(v) => si(v)} />
          <TimeChart id="host-in-bps" title="Incoming bits/s" series={series} data={charts.inBps} format={(v) => si(v, 'b')} />
          <TimeChart id="host-out-pps" title="Outgoing packets/s" series={series} data={charts.outPps} format={(v) => si(v)} />
          <TimeChart id="host-out-bps" title="Outgoing bits/s" series={series} data={charts.outBps} format={(v) => si(v, 'b')} />
        </div>
      </Panel>
      <div class="two-col">
        <Panel title="Thresholds" id="thresholds">
          {info ? <ThresholdTable info={info} /> : <p class="muted">loading…</p>}
        </Panel>
        <Panel title="Attacks" id="host-attacks">
          <AttackTable attacks={info?.attacks.active ?? []} showHost={false} empty="no active attack" />
          {info && info.attacks.history.length > 0 && (
            <>
              <h3>History</h3>
              <div class="table-wrap">
                <table class="attack-history">
                  <thead>
                    <tr>
                      <th>type</th>
                      <th>direction</th>
                      <th>started</th>
                      <th>ended</th>
                      <th class="num">peak</th>
                    </tr>
                  </thead>
                  <tbody>
                    {info.attacks.history.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <a href={href(`/attack/${a.id}`)}>{attackType(a.type)}</a>
                        </td>
                        <td>{a.direction}</td>
                        <td>{time(Date.parse(a.startedAt))}</td>
                        <td>{a.endedAt ? time(Date.parse(a.endedAt)) : <Badge kind="alert">active</Badge>}</td>
                        <td class="num">
                          {pps(a.peakPps)}, {mbps(a.peakMbps)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </Panel>
      </div>
      <Panel
        title={`Mitigations (${info?.mitigations.length ?? 0})`}
        id="host-mitigations"
        actions={
          info && info.mitigations.length > 1 ? (
            <button type="button" class="btn small danger" onClick={() => void unbanAll(ip)}>
              Withdraw all
            </button>
          ) : null
        }
      >
        <MitigationTable mitigations={info?.mitigations ?? []} speakers={l.status?.speakers ?? []} empty="no mitigation for this host" />
      </Panel>
      <Panel title="Manual ban" id="manual-ban" actions={<a href={href(`/mitigations?destination=${encodeURIComponent(ip)}`)}>FlowSpec rule for this host →</a>}>
        <BanForm host={ip} />
      </Panel>
    </div>
  );
}
