/**
 * Logs the attack lifecycle for the operator: a line at start (what fired, by how much, the type
 * and a fingerprint summary), a progress line every `updateEverySeconds` while it lasts (every
 * second at debug level), and a line at the end with its peak and duration. Also fans the events
 * out to the next sink (the mitigation layer), so the daemon hands the detector one sink.
 */
import type { Attack, AttackSink } from './attack.js';
import type { Logger } from '../log.js';

function summary(a: Attack): Record<string, unknown> {
  const f = a.fingerprint;
  return {
    attackId: a.id,
    host: a.host,
    group: a.group,
    direction: a.direction,
    type: a.type,
    ...(a.amplification ? { amplification: a.amplification.service, sourcePort: a.amplification.port } : {}),
    pps: Math.round(a.current.pps),
    mbps: Math.round(a.current.mbps * 10) / 10,
    peakPps: Math.round(a.peak.pps),
    peakMbps: Math.round(a.peak.mbps * 10) / 10,
    ...(a.allowListed ? { allowListed: true } : {}),
    ...(f
      ? {
          fingerprint: {
            samples: f.samples,
            confidence: Math.round(f.confidence * 100) / 100,
            protocols: f.protocols.slice(0, 3).map((p) => `${p.name} ${Math.round(p.share * 100)}%`),
            srcPorts: f.srcPorts.slice(0, 3).map((p) => `${p.value} ${Math.round(p.share * 100)}%`),
            dstPorts: f.dstPorts.slice(0, 3).map((p) => `${p.value} ${Math.round(p.share * 100)}%`),
            tcpFlags: f.tcpFlags.slice(0, 2).map((t) => `${t.names} ${Math.round(t.share * 100)}%`),
            packetLength: f.packetLength.p50,
          },
        }
      : {}),
  };
}

export class AttackLog implements AttackSink {
  constructor(
    private readonly log: Logger,
    private readonly next: AttackSink | null = null,
    private readonly updateEverySeconds = 10,
  ) {}

  attackStarted(a: Attack): void {
    const t = a.trigger;
    this.log.warn(
      { ...summary(a), trigger: { metric: t.metric, threshold: t.threshold, value: Math.round(t.value * 10) / 10, ratio: Math.round(t.ratio * 100) / 100, rule: t.rule } },
      'attack started',
    );
    this.next?.attackStarted(a);
  }

  attackUpdated(a: Attack): void {
    if (a.updates % this.updateEverySeconds === 0) this.log.info(summary(a), 'attack ongoing');
    else this.log.debug(summary(a), 'attack ongoing');
    this.next?.attackUpdated(a);
  }

  attackEnded(a: Attack): void {
    this.log.warn({ ...summary(a), seconds: Math.round(((a.endedMs ?? a.updatedMs) - a.startedMs) / 1000), reason: a.endReason }, 'attack ended');
    this.next?.attackEnded(a);
  }
}
