/**
 * Overview: live traffic (incoming and outgoing, packets and bits per second by protocol, the
 * last minutes, one point per daemon second from the event stream), active attacks, active
 * mitigations, exporters and BGP speakers. With ?wall=1 it is the wall-display page.
 */
import { useMemo } from 'preact/hooks';
import { CATEGORIES, type Category, type Direction, type ExporterView, type SpeakerStatus } from '../api';
import { categorySeries, TimeChart } from '../chart';
import { bps, duration, pps, si } from '../format';
import { live, useLive, type TotalsPoint } from '../live';
import { AttackTable, Badge, MitigationTable, Panel } from '../ui';

export function trafficData(points: TotalsPoint[], dir: Direction, unit: 'pps' | 'bps', cats: Category[] = CATEGORIES): number[][] {
  return [points.map((p) => p.atMs / 1000), ...cats.map((c) => points.map((p) => p[dir][c][unit]))];
}

function Tile({ label, value, sub, kind }: { label: string; value: string; sub?: string; kind?: string }) {
  return (
    <div class={`tile ${kind ?? ''}`}>
      <div class="tile-label">{label}</div>
      <div class="tile-value">{value}</div>
      {sub && <div class="tile-sub">{sub}</div>}
    </div>
  );
}

/** An exporter is healthy while it sends: silent for 30 s is stale, 5 min is silent. */
export function exporterHealth(e: ExporterView, nowMs: number): { state: 'ok' | 'stale' | 'silent' | 'errors'; text: string } {
  const age = (nowMs - e.lastSeenMs) / 1000;
  if (!e.lastSeenMs || age > 300) return { state: 'silent', text: `nothing for ${duration(age)}` };
  if (age > 30) return { state: 'stale', text: `silent for ${duration(age)}` };
  if (e.errorTotal > 0 && e.errorTotal >= e.datagrams * 0.01) return { state: 'errors', text: `${e.errorTotal} decode errors` };
  return { state: 'ok', text: `${duration(Math.max(0, age))} ago` };
}

export function Exporters({ exporters }: { exporters: ExporterView[] }) {
  const now = live.serverNow();
  if (exporters.length === 0) return <p class="muted empty">no exporter has sent anything yet</p>;
  return (
    <div class="table-wrap">
      <table class="exporters">
        <thead>
          <tr>
            <th>exporter</th>
            <th title="time since its last datagram">health</th>
            <th>protocols</th>
            <th class="num">samples</th>
            <th class="num">errors</th>
            <th class="num" title="packets or records lost, from sequence-number gaps">lost</th>
            <th class="num">sampling</th>
          </tr>
        </thead>
        <tbody>
          {exporters.map((e) => {
            const h = exporterHealth(e, now);
            const learned = Object.values(e.sampling.learned);
            return (
              <tr key={e.address} data-exporter={e.address}>
                <td class="mono">{e.address}</td>
                <td class="nowrap">
                  <Badge kind={`health-${h.state}`} title={h.text}>
                    {h.state}
                  </Badge>{' '}
                  <span class="muted">{h.text}</span>
                </td>
                <td>{Object.keys(e.byProtocol).join(', ')}</td>
                <td class="num">{si(e.samples)}</td>
                <td class="num">{e.errorTotal}</td>
                <td class="num">{e.sequence.lost}</td>
                <td class="num" title="1-in-N packet sampling: configured for the exporter, learned from its templates or option data, or as each sample states it (sFlow)">
                  {e.sampling.override ? `1:${e.sampling.override} (configured)` : learned.length ? `${learned.map((n) => `1:${n}`).join(', ')} (learned)` : 'as exported'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Speakers({ speakers }: { speakers: SpeakerStatus[] }) {
  if (speakers.length === 0) return <p class="muted empty">no BGP speaker configured: mitigations are recorded but announced nowhere</p>;
  return (
    <div class="table-wrap">
      <table class="speakers">
        <thead>
          <tr>
            <th>speaker</th>
            <th>control channel</th>
            <th>BGP session</th>
            <th>routes</th>
            <th>last error</th>
          </tr>
        </thead>
        <tbody>
          {speakers.map((s) => (
            <tr key={s.name} data-speaker={s.name}>
              <td>{s.name}</td>
              <td>
                <Badge kind={s.health.up ? 'health-ok' : 'health-silent'}>{s.health.up ? 'up' : 'down'}</Badge>
              </td>
              <td>
                {s.health.sessionState}
                {s.health.peers.length > 0 && <span class="muted"> ({s.health.peers.map((p) => `${p.address} ${p.state}`).join(', ')})</span>}
              </td>
              <td>
                {s.reconcile.desired} desired, {s.reconcile.inSync ? <Badge kind="health-ok">in sync</Badge> : <Badge kind="health-stale">converging</Badge>}
              </td>
              <td class="muted">{s.health.lastError ?? s.reconcile.lastResult?.error ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Overview({ wall }: { wall: boolean }) {
  const l = useLive();
  const s = l.status;
  const charts = useMemo(
    () => ({
      inPps: trafficData(l.totals, 'incoming', 'pps'),
      inBps: trafficData(l.totals, 'incoming', 'bps'),
      outPps: trafficData(l.totals, 'outgoing', 'pps'),
      outBps: trafficData(l.totals, 'outgoing', 'bps'),
    }),
    [l.tick, l.totals.length],
  );
  const last = l.totals[l.totals.length - 1];
  const inNow = last?.incoming ?? s?.traffic.totals.incoming;
  const outNow = last?.outgoing ?? s?.traffic.totals.outgoing;
  const attacks = s?.attacks.active ?? [];
  const mitigations = s?.mitigations.active ?? [];
  const series = categorySeries(CATEGORIES);
  const h = wall ? 300 : 220;
  return (
    <div class="page overview">
      <div class="tiles">
        <Tile label="incoming" value={inNow ? pps(inNow.total.pps) : '–'} sub={inNow ? bps(inNow.total.bps) : undefined} />
        <Tile label="outgoing" value={outNow ? pps(outNow.total.pps) : '–'} sub={outNow ? bps(outNow.total.bps) : undefined} />
        <Tile label="active attacks" value={String(attacks.length)} kind={attacks.length > 0 ? 'alert' : 'calm'} sub={s ? `${s.attacks.recent.length} ended recently` : undefined} />
        <Tile label="active mitigations" value={String(mitigations.length)} kind={mitigations.length > 0 ? 'warn' : 'calm'} sub={s?.daemon.dryRun ? 'dry run: nothing announced' : undefined} />
        <Tile label="hosts seen" value={s ? si(last?.hosts ?? s.traffic.hosts) : '–'} sub={s ? `${s.exporters.length} exporter${s.exporters.length === 1 ? '' : 's'}` : undefined} />
      </div>
      <Panel title="Traffic" class="traffic" actions={<span class="muted">last {duration(Math.min(l.totals.length, 600))}, per second</span>}>
        <div class="chart-grid">
          <TimeChart id="in-pps" title="Incoming packets/s" series={series} data={charts.inPps} format={(v) => si(v)} height={h} />
          <TimeChart id="in-bps" title="Incoming bits/s" series={series} data={charts.inBps} format={(v) => si(v, 'b')} height={h} />
          <TimeChart id="out-pps" title="Outgoing packets/s" series={series} data={charts.outPps} format={(v) => si(v)} height={h} />
          <TimeChart id="out-bps" title="Outgoing bits/s" series={series} data={charts.outBps} format={(v) => si(v, 'b')} height={h} />
        </div>
      </Panel>
      <div class="two-col">
        <Panel title={`Active attacks (${attacks.length})`} id="active-attacks">
          <AttackTable attacks={attacks} limit={wall ? 12 : 50} />
        </Panel>
        <Panel title={`Active mitigations (${mitigations.length})`} id="active-mitigations" actions={!wall && <a href="#/mitigations">all mitigations →</a>}>
          <MitigationTable mitigations={mitigations} speakers={s?.speakers ?? []} actions={false} compact limit={wall ? 12 : 20} more="#/mitigations" />
        </Panel>
      </div>
      <div class="two-col">
        <Panel title="Exporters" id="exporters">
          <Exporters exporters={s?.exporters ?? []} />
        </Panel>
        <Panel title="BGP speakers" id="speakers">
          <Speakers speakers={s?.speakers ?? []} />
        </Panel>
      </div>
    </div>
  );
}
