/**
 * One attack: what fired and how strong it is, a timeline (the host's traffic with the start and
 * end marked, and every decision taken for it), the fingerprint of its packets as charts, the
 * rules announced for it with their state at each BGP speaker, and the audit trail.
 */
import { useMemo } from 'preact/hooks';
import { CATEGORIES, type AttackDetail, type AuditEntry, type Fingerprint, type Mitigation, type SpeakerStatus } from '../api';
import { categorySeries, Histogram, ShareBars, TimeChart, type Marker } from '../chart';
import { attackType, duration, mbps, metricLabel, metricValue, pct, pps, routeDisplay, si, time } from '../format';
import { live, useLive } from '../live';
import { ruleState } from '../speakers';
import { useApi } from '../use-api';
import { Badge, ErrorBox, HostLink, MitigationTable, Panel } from '../ui';
import { hostChartData, useHostHistory } from './host';

interface AttackResponse {
  attack: AttackDetail;
  mitigations: Mitigation[];
  audit: AuditEntry[];
}

function fingerprintOf(a: AttackDetail): Fingerprint | null {
  return a.fingerprint ?? a.report?.fingerprint ?? null;
}

/** The fingerprint's fixed length buckets (src/detection/fingerprint.ts), the empty ones too. */
const LENGTH_BUCKETS: Array<[number, number]> = [
  [0, 63],
  [64, 127],
  [128, 255],
  [256, 511],
  [512, 1023],
  [1024, 1499],
  [1500, 65535],
];

function lengthBuckets(fp: Fingerprint): Array<{ label: string; share: number }> {
  return LENGTH_BUCKETS.map(([from, to]) => ({ label: to >= 65535 ? `${from}+` : `${from}–${to}`, share: fp.packetLength.buckets.find((b) => b.from === from)?.share ?? 0 }));
}

export function FingerprintCharts({ fp }: { fp: Fingerprint }) {
  const d = fp.dominant;
  const remote = fp.direction === 'incoming' ? 'Sources' : 'Destinations';
  return (
    <>
      <p class="muted fp-summary">
        {si(fp.samples)} samples ({si(fp.effectiveSamples)} effective) over {fp.spanSeconds} s, standing for {si(fp.packets)} packets; sampling 1:{fp.samplingRate.min === fp.samplingRate.max ? fp.samplingRate.min : `${fp.samplingRate.min}–${fp.samplingRate.max}`}; confidence {pct(fp.confidence)} (every share ±{pct(fp.marginOfError)}); {fp.distinctRemotes} distinct {remote.toLowerCase()}; {pct(fp.fragmentShare)} fragments.
      </p>
      <div class="fp-grid">
        <ShareBars id="protocols" title="Protocols" items={fp.protocols.map((p) => ({ label: p.name, share: p.share }))} highlight={d.protocol ? fp.protocols.find((p) => p.protocol === d.protocol!.value)?.name : null} />
        <ShareBars id="dst-ports" title={`Destination ports (${pct(fp.withPortsShare)} of packets carry ports)`} items={fp.dstPorts.map((p) => ({ label: String(p.value), share: p.share }))} highlight={d.dstPort ? String(d.dstPort.value) : null} empty="no TCP/UDP packets" />
        <ShareBars id="src-ports" title="Source ports" items={fp.srcPorts.map((p) => ({ label: String(p.value), share: p.share }))} highlight={d.srcPort ? String(d.srcPort.value) : null} empty="no TCP/UDP packets" />
        <ShareBars id="tcp-flags" title="TCP flags" items={fp.tcpFlags.map((f) => ({ label: f.names, share: f.share }))} highlight={d.tcpFlags ? fp.tcpFlags.find((f) => f.flags === d.tcpFlags!.value)?.names : null} empty="no TCP packets" />
        <div class="fp-hist">
          <Histogram id="packet-sizes" title="Packet sizes (IP length, bytes)" items={lengthBuckets(fp)} />
          <p class="muted small">
            min {fp.packetLength.min}, p10 {fp.packetLength.p10}, median {fp.packetLength.p50}, p90 {fp.packetLength.p90}, max {fp.packetLength.max}, mean {fp.packetLength.mean}
            {d.packetLength && ` — ${pct(d.packetLength.share)} between ${d.packetLength.min} and ${d.packetLength.max}`}
          </p>
        </div>
        <ShareBars id="sources" title={`${remote} (top /24 or /48)`} items={fp.remotePrefixes.map((p) => ({ label: p.value, share: p.share }))} highlight={d.remotePrefix?.value ?? null} />
        <ShareBars id="ttls" title="TTL / hop limit" items={fp.ttls.map((t) => ({ label: String(t.value), share: t.share }))} />
      </div>
      <p class="muted small">Highlighted: a dominant value (80 % of packets or more), which the FlowSpec rule builder may match on.</p>
    </>
  );
}

interface TimelineEvent {
  atMs: number;
  label: string;
  kind: string;
}

function timelineEvents(a: AttackDetail, audit: AuditEntry[]): TimelineEvent[] {
  const ev: TimelineEvent[] = [{ atMs: a.startedMs, kind: 'start', label: `attack started: ${metricLabel(a.trigger.metric)} ${metricValue(a.trigger.metric, a.trigger.value)} > ${metricValue(a.trigger.metric, a.trigger.threshold)} (${a.trigger.rule})` }];
  for (const e of audit) {
    ev.push({ atMs: e.atMs, kind: e.action, label: `${e.action} ${e.kind ?? ''} by ${e.actor}${e.reason ? `: ${e.reason}` : ''}` });
  }
  if (a.endedMs !== null) ev.push({ atMs: a.endedMs, kind: 'end', label: `attack ended${a.endReason ? ` (${a.endReason.replace(/_/g, ' ')})` : ''}` });
  return ev.sort((x, y) => x.atMs - y.atMs);
}

function Timeline({ a, audit }: { a: AttackDetail; audit: AuditEntry[] }) {
  const events = timelineEvents(a, audit);
  const t0 = a.startedMs;
  const t1 = Math.max(a.endedMs ?? live.serverNow(), ...events.map((e) => e.atMs), t0 + 1000);
  const x = (ms: number) => 10 + ((ms - t0) / (t1 - t0)) * 980;
  return (
    <div class="timeline">
      <svg viewBox="0 0 1000 34" preserveAspectRatio="none" class="timeline-bar" aria-hidden="true">
        <rect x="10" y="14" width={x(a.endedMs ?? t1) - 10} height="6" class={a.endedMs === null ? 'tl-active' : 'tl-ended'} />
        {events.map((e, i) => (
          <line key={i} x1={x(e.atMs)} x2={x(e.atMs)} y1="4" y2="30" class={`tl-mark tl-${e.kind}`} />
        ))}
      </svg>
      <ol class="timeline-list">
        {events.map((e, i) => (
          <li key={i} class={`tl-${e.kind}`}>
            <span class="tl-time">+{duration((e.atMs - t0) / 1000)}</span>
            <span class="muted">{time(e.atMs)}</span> {e.label}
          </li>
        ))}
        {a.endedMs === null && (
          <li class="tl-now">
            <span class="tl-time">+{duration((live.serverNow() - t0) / 1000)}</span> <span class="muted">now</span> still active
          </li>
        )}
      </ol>
    </div>
  );
}

function RulesAtSpeakers({ mitigations, speakers, audit }: { mitigations: Mitigation[]; speakers: SpeakerStatus[]; audit: AuditEntry[] }) {
  const activeIds = new Set(mitigations.map((m) => m.id));
  const gone = audit.filter((e) => e.action === 'withdraw' && e.mitigationId && !activeIds.has(e.mitigationId));
  return (
    <>
      <MitigationTable mitigations={mitigations} speakers={speakers} empty="no rule is announced for this attack" />
      {mitigations.length > 0 && speakers.length > 0 && (
        <ul class="rule-states">
          {mitigations.flatMap((m) =>
            speakers.map((s) => {
              const st = ruleState(m, s);
              return (
                <li key={m.id + s.name} class={`state-${st.state}`}>
                  <span class="mono">{routeDisplay(m.routeText)}</span> — {st.text}
                </li>
              );
            }),
          )}
        </ul>
      )}
      {gone.length > 0 && (
        <>
          <h3>Withdrawn</h3>
          <ul class="withdrawn">
            {gone.map((e) => (
              <li key={`${e.seq}-${e.mitigationId}`}>
                <span class="mono">{routeDisplay(e.route ?? '')}</span> — withdrawn {time(e.atMs)} by {e.actor}
                {e.reason ? `: ${e.reason}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p class="muted empty">nothing recorded</p>;
  return (
    <div class="table-wrap">
      <table class="audit">
        <thead>
          <tr>
            <th>time</th>
            <th>action</th>
            <th>kind</th>
            <th>route</th>
            <th>by</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={`${e.seq ?? ''}-${e.atMs}-${e.mitigationId}`}>
              <td class="nowrap">{time(e.atMs)}</td>
              <td>
                <Badge kind={`audit-${e.action}`}>{e.action}</Badge>
                {e.dryRun && <Badge kind="dry">dry run</Badge>}
              </td>
              <td>{e.kind ?? '–'}</td>
              <td class="mono route-text">{e.route ? routeDisplay(e.route) : '–'}</td>
              <td>{e.actor}</td>
              <td class="muted">{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AttackPage({ id }: { id: string }) {
  const l = useLive();
  const { data, error } = useApi<AttackResponse>(`attacks/${encodeURIComponent(id)}`, l.tick);
  const { data: sp } = useApi<{ speakers: SpeakerStatus[] }>('speakers', l.tick);
  const a = data?.attack;
  const { seconds } = useHostHistory(a?.host ?? null, l.tick);
  const dir = a?.direction ?? 'incoming';
  const chart = useMemo(() => hostChartData(seconds, dir, 'pps'), [seconds, dir]);
  const markers: Marker[] = a ? [{ x: a.startedMs / 1000, label: 'start', color: '#ff6b6b' }, ...(a.endedMs !== null ? [{ x: a.endedMs / 1000, label: 'end', color: '#3ecf8e' }] : [])] : [];
  if (!data) {
    return (
      <div class="page attack">
        <h1>Attack</h1>
        {error ? <ErrorBox error={error} what={`attack ${id}`} /> : <p class="muted">loading…</p>}
      </div>
    );
  }
  const at = data.attack;
  const fp = fingerprintOf(at);
  const speakers = sp?.speakers ?? l.status?.speakers ?? [];
  return (
    <div class="page attack">
      <div class="toolbar">
        <h1>
          {attackType(at.type)}
          {at.amplification ? ` (${at.amplification.service}, port ${at.amplification.port})` : ''} on <HostLink host={at.host} />
        </h1>
        <Badge kind={at.status === 'active' ? 'alert' : 'info'}>{at.status}</Badge>
        {at.allowListed && <Badge kind="warn">allow-listed: not mitigated</Badge>}
      </div>
      <ErrorBox error={error} />
      <div class="facts">
        <div>
          <span class="muted">direction</span> {at.direction}
        </div>
        <div>
          <span class="muted">group</span> {at.group}
        </div>
        <div>
          <span class="muted">started</span> {time(at.startedMs)}
        </div>
        <div>
          <span class="muted">duration</span> {duration(at.status === 'active' ? Math.max(at.durationSeconds, (live.serverNow() - at.startedMs) / 1000) : at.durationSeconds)}
        </div>
        <div>
          <span class="muted">power now</span> {at.status === 'active' ? `${pps(at.current.pps)}, ${mbps(at.current.mbps)}` : 'ended'}
        </div>
        <div>
          <span class="muted">peak</span> {pps(at.peak.pps)}, {mbps(at.peak.mbps)}
        </div>
        <div>
          <span class="muted">trigger</span> {metricLabel(at.trigger.metric)} {metricValue(at.trigger.metric, at.trigger.value)} &gt; {metricValue(at.trigger.metric, at.trigger.threshold)} (×{at.trigger.ratio.toFixed(1)}, {at.trigger.rule})
        </div>
        {(at.exceeded ?? at.report?.exceeded ?? []).length > 1 && (
          <div>
            <span class="muted">also exceeded</span>{' '}
            {(at.exceeded ?? at.report?.exceeded ?? [])
              .filter((h) => h.metric !== at.trigger.metric)
              .map((h) => `${metricLabel(h.metric)} ×${h.ratio.toFixed(1)}`)
              .join(', ')}
          </div>
        )}
      </div>
      <Panel title="Timeline" id="timeline">
        {seconds.length > 0 && <TimeChart id="attack-traffic" title={`${at.host} ${at.direction} packets/s by protocol`} series={categorySeries(CATEGORIES)} data={chart} format={(v) => si(v)} markers={markers} height={200} />}
        <Timeline a={at} audit={data.audit} />
      </Panel>
      <Panel title="Fingerprint" id="fingerprint">
        {fp ? <FingerprintCharts fp={fp} /> : <p class="muted">no sample of this attack was captured: no fingerprint</p>}
      </Panel>
      <Panel title="Rules announced for this attack" id="rules">
        <RulesAtSpeakers mitigations={data.mitigations} speakers={speakers} audit={data.audit} />
      </Panel>
      <Panel title="Audit trail" id="audit">
        <AuditTable entries={data.audit} />
      </Panel>
    </div>
  );
}
