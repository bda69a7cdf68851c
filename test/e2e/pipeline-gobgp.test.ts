/**
 * The whole pipeline with gobgpd as the speaker: flowgen sFlow over UDP → Breakwater (decoders,
 * accounting, detection, mitigation) → gobgpd 3.x over its gRPC API (Unix socket in the lab dir)
 * → FRR 8.4, with the same cases as pipeline.test.ts (pipeline-cases.ts).
 */
import { describe, before, after } from 'node:test';
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { Lab, skipUnlessLab, waitFor, gobgpdToml, GOBGP, GOBGP_AS } from './lab.js';
import { pipelineCases } from './pipeline-cases.js';

const skip = skipUnlessLab(['gobgpd']);

describe('flowgen → Breakwater → GoBGP → FRR', { skip }, () => {
  let lab: Lab;

  before(async () => {
    lab = new Lab('pipegobgp');
    await lab.startFrr([{ address: GOBGP, asn: GOBGP_AS }]);
    writeFileSync(lab.path('gobgpd.toml'), gobgpdToml());
    rmSync(lab.path('gobgp.sock'), { force: true });
    lab.spawn('gobgpd', ['gobgpd', '-f', lab.path('gobgpd.toml'), '-p', '--pprof-disable', '--api-hosts', `unix://${lab.path('gobgp.sock')}`]);
    await waitFor(() => existsSync(lab.path('gobgp.sock')), 10_000, 'gobgpd API socket');
    await waitFor(() => lab.sessionUp(GOBGP), 30_000, 'BGP session FRR–gobgpd');
  });

  after(async () => {
    if (process.env.BW_KEEP_LAB) console.log(`lab kept in ${lab.dir}`);
    await lab?.close();
  });

  pipelineCases(() => lab, GOBGP, () => `{ type: gobgp, name: gobgp, address: "unix://${lab.path('gobgp.sock')}", poll_interval_ms: 500, timeout_ms: 3000, resync_interval_seconds: 5, retry_initial_ms: 200 }`);
});
