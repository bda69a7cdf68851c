/**
 * The whole pipeline with real components: flowgen sFlow over UDP → Breakwater (decoders,
 * accounting, detection, mitigation) → ExaBGP 4.2 through the process-API bridge → FRR 8.4.
 * The cases (pipeline-cases.ts): FlowSpec rules and blackholes for a SYN flood (escalated to its
 * /24) and an NTP amplification; the /128 blackhole, FlowSpec rule and escalated /64 of an IPv6
 * flood; everything withdrawn when the ban time is over.
 */
import { describe, before, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { Lab, skipUnlessLab, waitFor, EXABGP, EXABGP_AS, ROUTER, ROUTER_AS } from './lab.js';
import { renderExabgpConfig } from '../../src/bgp/exabgp/index.js';
import { pipelineCases } from './pipeline-cases.js';

const skip = skipUnlessLab(['exabgp']);

describe('flowgen → Breakwater → ExaBGP → FRR', { skip }, () => {
  let lab: Lab;

  before(async () => {
    lab = new Lab('pipe');
    await lab.startFrr([{ address: EXABGP, asn: EXABGP_AS }]);
    writeFileSync(
      lab.path('exabgp.conf'),
      renderExabgpConfig({
        socketPath: lab.path('exabgp.sock'),
        workDir: lab.dir,
        routerId: EXABGP,
        localAs: EXABGP_AS,
        localAddress: EXABGP,
        neighbors: [{ address: ROUTER, peerAs: ROUTER_AS, holdTime: 9 }],
      }),
    );
    lab.spawn('exabgp', ['exabgp', '--env', '/dev/null', lab.path('exabgp.conf')], {
      exabgp_daemon_user: 'root', exabgp_daemon_daemonize: 'false', exabgp_api_cli: 'false', exabgp_log_destination: 'stdout',
    });
    await waitFor(() => lab.sessionUp(EXABGP), 30_000, 'BGP session FRR–ExaBGP');
  });

  after(async () => {
    await lab?.close();
  });

  pipelineCases(() => lab, EXABGP, () => `{ type: exabgp, name: exabgp, socket: ${lab.path('exabgp.sock')}, resync_interval_seconds: 5, retry_initial_ms: 200 }`);
});
