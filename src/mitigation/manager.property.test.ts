// Random sequences of attacks, updates, ends, manual actions and clock ticks; after every step the
// desired set must keep its invariants. Time-boxed by FUZZ_SECONDS (default 2 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MitigationManager } from './manager.js';
import { ManualClock, attack, mitigationConfig, networks } from './test-fixtures.js';
import { checkRoute } from './safety.js';
import { routeKey } from '../bgp/route.js';
import { silentLogger } from '../log.js';
import type { Attack } from '../detection/attack.js';

const FUZZ_MS = Math.max(0.1, Number(process.env.FUZZ_SECONDS ?? 2)) * 1000;
const HOSTS = ['10.0.1.1', '10.0.1.2', '10.0.2.3', '10.0.9.9', '192.168.0.1', '2001:db8::1', '2001:db8::2', '2001:db9::1'];
const TYPES = ['udp_flood', 'syn_flood', 'amplification', 'icmp_flood', 'unknown'] as const;

const op = fc.oneof(
  fc.record({ k: fc.constant('start' as const), host: fc.constantFrom(...HOSTS), type: fc.constantFrom(...TYPES), mbps: fc.integer({ min: 1, max: 20_000 }), out: fc.boolean() }),
  fc.record({ k: fc.constant('update' as const), i: fc.nat(), mbps: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ k: fc.constant('end' as const), i: fc.nat() }),
  fc.record({ k: fc.constant('ban' as const), host: fc.constantFrom(...HOSTS), d: fc.constantFrom(undefined, 0, 5, 100) }),
  fc.record({ k: fc.constant('unban' as const), host: fc.constantFrom(...HOSTS) }),
  fc.record({ k: fc.constant('withdraw' as const), i: fc.nat() }),
  fc.record({ k: fc.constant('tick' as const), s: fc.integer({ min: 1, max: 200 }) }),
);

test('invariants of the desired set under random operations', () => {
  const deadline = Date.now() + FUZZ_MS;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, unbanOnlyIfFinished) => {
      const nets = networks(['10.0.0.0/16', '2001:db8::/32'], ['10.0.9.9']);
      const clock = new ManualClock();
      const max = 6;
      const mgr = new MitigationManager(
        mitigationConfig({
          ban_time_seconds: 60,
          unban_only_if_attack_finished: unbanOnlyIfFinished,
          actions: { default: ['blackhole', 'flowspec'] },
          escalation: { enabled: true, thresholds: { incoming: { mbps: 5000 }, outgoing: { mbps: 5000 } } },
          safety: { max_active: max },
        }),
        { networks: nets, store: null, logger: silentLogger(), now: clock.now },
      );
      mgr.start();
      const active: Attack[] = [];
      for (const o of ops) {
        if (o.k === 'start') {
          const a = attack({ host: o.host, type: o.type, mbps: o.mbps, direction: o.out ? 'outgoing' : 'incoming' });
          active.push(a);
          mgr.attackStarted(a);
        } else if (o.k === 'update' && active.length) {
          const a = active[o.i % active.length];
          a.current.mbps = o.mbps;
          a.peak.mbps = Math.max(a.peak.mbps, o.mbps);
          mgr.attackUpdated(a);
        } else if (o.k === 'end' && active.length) {
          const [a] = active.splice(o.i % active.length, 1);
          mgr.attackEnded(a);
        } else if (o.k === 'ban') mgr.ban({ host: o.host, user: 'fuzz', durationSeconds: o.d });
        else if (o.k === 'unban') mgr.unban(o.host, { user: 'fuzz' });
        else if (o.k === 'withdraw') {
          const list = mgr.list();
          if (list.length) mgr.withdraw(list[o.i % list.length].id, { user: 'fuzz' });
        } else if (o.k === 'tick') {
          clock.advance(o.s);
          mgr.tick(clock.ms);
        }
        const routes = mgr.desiredRoutes();
        const keys = routes.map(routeKey);
        assert.equal(new Set(keys).size, keys.length, 'never desired twice');
        assert.ok(routes.length <= max, 'cap');
        for (const r of routes) assert.equal(checkRoute(r, nets, { minPrefixLength: { ipv4: 24, ipv6: 48 } }), null, 'every route passes safety');
        const list = mgr.list();
        for (const m of list) {
          if (m.kind === 'escalation') {
            assert.ok((m.detail.members ?? []).some((h) => list.some((x) => x.kind === 'blackhole' && x.host === h)), 'escalation without a blackholed member left behind');
          }
          // Expired and not held by an active attack: must be gone after a tick.
          if (o.k === 'tick' && m.expiresMs !== null && m.expiresMs <= clock.ms) {
            assert.ok(unbanOnlyIfFinished && m.source === 'detection' && active.some((a) => a.id === m.attackId), 'expired mitigation left behind');
          }
        }
      }
    }),
    { numRuns: 1_000_000, interruptAfterTimeLimit: Math.max(1, deadline - Date.now()) },
  );
});
