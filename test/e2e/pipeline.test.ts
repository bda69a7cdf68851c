/**
 * The whole pipeline with real components: flowgen sFlow over UDP → Breakwater (decoders,
 * accounting, detection, mitigation) → ExaBGP 4.2 through the process-API bridge → FRR 8.4.
 * The cases (pipeline-cases.ts): FlowSpec rules and blackholes for a SYN flood (escalated to its
 * /24) and an NTP amplification; the /128 blackhole, FlowSpec rule and escalated /64 of an IPv6
 * flood; everything withdrawn when the ban time is over.
 */
import { describe, before, after } from 'node:test';
import { Lab, skipUnlessLab, EXABGP, EXABGP_AS } from './lab.js';
import { pipelineCases } from './pipeline-cases.js';

const skip = skipUnlessLab(['exabgp']);

describe('flowgen → Breakwater → ExaBGP → FRR', { skip }, () => {
  let lab: Lab;

  before(async () => {
    lab = new Lab('pipe');
    await lab.startFrr([{ address: EXABGP, asn: EXABGP_AS }]);
    await lab.startExabgp();
  });

  after(async () => {
    await lab?.close();
  });

  pipelineCases(() => lab, EXABGP, () => `{ type: exabgp, name: exabgp, socket: ${lab.path('exabgp.sock')}, resync_interval_seconds: 5, retry_initial_ms: 200 }`);
});
