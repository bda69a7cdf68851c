import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mitigationConfigSchema, groupPolicy, templateFor } from './config.js';

test('defaults: blackhole everything, FastNetMon ban time, RFC 7999 community, RFC 6666 next hop, /24 and /48 minimum', () => {
  const c = mitigationConfigSchema.parse({});
  assert.deepEqual(c.actions, { default: ['blackhole'] });
  assert.equal(c.ban_time_seconds, 1900);
  assert.equal(c.unban_only_if_attack_finished, true);
  assert.equal(c.dry_run, false);
  assert.equal(c.withdraw_on_shutdown, false);
  assert.deepEqual(c.blackhole, { communities: ['65535:666', 'no-export'], large_communities: [], next_hop: { ipv4: '192.0.2.1', ipv6: '100::1' } });
  assert.deepEqual(c.safety, { min_prefix_length: { ipv4: 24, ipv6: 48 }, max_active: 1000 });
  assert.equal(c.escalation.enabled, false);
  assert.deepEqual(c.escalation.prefix_length, { ipv4: 24, ipv6: 48 });
  assert.deepEqual(Object.keys(c.flowspec.templates).sort(), ['amplification', 'default', 'icmp_flood', 'ip_fragmentation_flood', 'syn_flood', 'udp_flood']);
  assert.equal(templateFor(groupPolicy(c, 'global'), 'tcp_rst_flood'), c.flowspec.templates.default);
});

test('bad settings are refused with their path', () => {
  const bad: Array<[unknown, string]> = [
    [{ ban_time: 10 }, ''],
    [{ blackhole: { communities: ['70000:1'] } }, 'blackhole.communities.0'],
    [{ blackhole: { next_hop: { ipv4: '100::1' } } }, 'blackhole.next_hop.ipv4'],
    [{ safety: { min_prefix_length: { ipv4: 0 } } }, 'safety.min_prefix_length.ipv4'],
    [{ actions: { udp_flood: ['nullroute'] } }, 'actions.udp_flood.0'],
    [{ actions: { tcp_flood: ['blackhole'] } }, 'actions'],
    [{ flowspec: { templates: { udp_flood: { tiers: [{ action: { type: 'rate-limit', bytes_per_second: 0 } }] } } } }, 'flowspec.templates.udp_flood.tiers.0.action.bytes_per_second'],
    [{ flowspec: { templates: { udp_flood: { tiers: [] } } } }, 'flowspec.templates.udp_flood.tiers'],
    [{ groups: { web: { ban_time: 5 } } }, 'groups.web'],
  ];
  for (const [input, path] of bad) {
    const r = mitigationConfigSchema.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    assert.ok(r.error!.issues.some((i) => i.path.join('.') === path), `${JSON.stringify(input)}: ${JSON.stringify(r.error!.issues)}`);
  }
});

test('group overrides merge over the global settings', () => {
  const c = mitigationConfigSchema.parse({
    blackhole: { communities: ['65000:666'] },
    groups: { web: { blackhole: { next_hop: { ipv4: '192.0.2.66' } }, escalation: { enabled: true }, flowspec_templates: { udp_flood: { tiers: [{ action: { type: 'discard' } }] } } } },
  });
  const p = groupPolicy(c, 'web');
  assert.deepEqual(p.blackhole.communities, ['65000:666']);
  assert.equal(p.blackhole.next_hop.ipv4, '192.0.2.66');
  assert.equal(p.blackhole.next_hop.ipv6, '100::1');
  assert.equal(p.escalation.enabled, true);
  assert.deepEqual(p.templates.udp_flood!.tiers, [{ action: { type: 'discard' } }]);
  assert.equal(p.templates.syn_flood, c.flowspec.templates.syn_flood);
  assert.equal(groupPolicy(c, 'other').escalation.enabled, false);
});

test('configured templates merge over the shipped ones', () => {
  const c = mitigationConfigSchema.parse({ flowspec: { templates: { udp_flood: { tiers: [{ action: { type: 'discard' } }] } } } });
  const p = groupPolicy(c, 'global');
  assert.deepEqual(p.templates.udp_flood!.tiers, [{ action: { type: 'discard' } }]);
  assert.deepEqual(p.templates.syn_flood!.tcp_flags, { syn: true, ack: false });
  assert.ok(p.templates.default);
});
