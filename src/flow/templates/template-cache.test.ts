import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledTemplate, Kind, TemplateSpec, type CompileError } from './compiled-template.js';
import {
  DefineOutcome,
  MAX_TEMPLATE_FIELDS,
  MAX_TEMPLATE_RECORD_LENGTH,
  MAX_TEMPLATES_PER_EXPORTER,
  MAX_TEMPLATES_TOTAL,
  TEMPLATE_TIMEOUT_MS,
  TemplateCache,
  type StoredTemplate,
} from './template-cache.js';
import { IE, REVERSE_PEN } from '../ipfix/field-ids.js';

const A = '192.0.2.1';
const B = '192.0.2.2';

function spec(
  protocol: 9 | 10,
  domain: number,
  templateId: number,
  fields: [number, number, number?][],
  options = false,
  scopeFieldCount = 0,
): TemplateSpec {
  const s = new TemplateSpec(MAX_TEMPLATE_FIELDS);
  s.protocol = protocol;
  s.domain = domain;
  s.templateId = templateId;
  s.options = options;
  s.scopeFieldCount = scopeFieldCount;
  s.fieldCount = fields.length;
  fields.forEach(([t, l, e], i) => {
    s.types[i] = t;
    s.lengths[i] = l;
    s.enterprises[i] = e ?? 0;
  });
  return s;
}

const V4: [number, number][] = [
  [IE.sourceIPv4Address, 4],
  [IE.destinationIPv4Address, 4],
  [IE.octetDeltaCount, 4],
];

function compiled(s: TemplateSpec): CompiledTemplate {
  const t = CompiledTemplate.compile(A, s, MAX_TEMPLATE_RECORD_LENGTH, 0);
  assert.ok(t instanceof CompiledTemplate, `compile failed: ${String(t as CompileError)}`);
  return t;
}

/** The plan as [kind, offset, length] triples. */
function plan(t: CompiledTemplate): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < t.planSize; i++) out.push([t.planKind[i], t.planOffset[i], t.planLength[i]]);
  return out;
}

describe('CompiledTemplate', () => {
  it('plans only the fields it decodes, at their offsets', () => {
    const t = compiled(spec(9, 0, 256, [[IE.sourceIPv4Address, 4], [15, 4], [IE.destinationIPv4Address, 4], [IE.octetDeltaCount, 8], [IE.protocolIdentifier, 1]]));
    assert.equal(t.fixedLength, 21);
    assert.equal(t.minLength, 21);
    assert.deepEqual(plan(t), [
      [Kind.SRC_V4, 0, 4],
      [Kind.DST_V4, 8, 4],
      [Kind.BYTES, 12, 8],
      [Kind.PROTOCOL, 20, 1],
    ]);
    assert.equal(t.badFields, 0);
    assert.equal(t.ipMode, 4);
  });

  it('skips a known element with an impossible length and counts it', () => {
    // IPv4 address of 3 bytes, protocol of 2 bytes, counter of 9 bytes: skipped, framing kept.
    const t = compiled(spec(9, 0, 256, [[IE.sourceIPv4Address, 3], [IE.protocolIdentifier, 2], [IE.octetDeltaCount, 9], [IE.destinationIPv4Address, 4]]));
    assert.equal(t.badFields, 3);
    assert.deepEqual(plan(t), [[Kind.DST_V4, 14, 4]]);
    assert.equal(t.fixedLength, 18);
  });

  it('keeps only the best element of a group', () => {
    const t = compiled(spec(10, 0, 256, [
      [IE.octetTotalCount, 8],
      [IE.octetDeltaCount, 4],
      [IE.postOctetDeltaCount, 4],
      [IE.flowStartSysUpTime, 4],
      [IE.flowStartMilliseconds, 8],
      [IE.minimumTTL, 1],
      [IE.ipTTL, 1],
      [IE.dot1qVlanId, 2],
    ]));
    assert.deepEqual(plan(t).map((p) => p[0]), [Kind.BYTES, Kind.START_MS, Kind.TTL, Kind.VLAN]);
    assert.deepEqual(plan(t).map((p) => p[1]), [8, 20, 29, 30]);
  });

  it('NetFlow v9 OUT_BYTES/OUT_PKTS are reverse counts beside IN_BYTES/IN_PKTS, forward counts alone', () => {
    const both = compiled(spec(9, 0, 256, [[IE.octetDeltaCount, 4], [IE.postOctetDeltaCount, 4], [IE.packetDeltaCount, 4], [IE.postPacketDeltaCount, 4]]));
    assert.deepEqual(plan(both).map((p) => p[0]), [Kind.BYTES, Kind.REV_BYTES, Kind.PACKETS, Kind.REV_PACKETS]);
    assert.equal(both.hasReverse, true);
    const alone = compiled(spec(9, 0, 256, [[IE.postOctetDeltaCount, 4], [IE.postPacketDeltaCount, 4]]));
    assert.deepEqual(plan(alone).map((p) => p[0]), [Kind.BYTES, Kind.PACKETS]);
    assert.equal(alone.hasReverse, false);
    // In IPFIX they are post-middlebox counts of the same direction: a fallback only.
    const ipfix = compiled(spec(10, 0, 256, [[IE.octetDeltaCount, 4], [IE.postOctetDeltaCount, 4]]));
    assert.deepEqual(plan(ipfix).map((p) => p[0]), [Kind.BYTES]);
  });

  it('maps RFC 5103 reverse elements and ignores other enterprises', () => {
    const t = compiled(spec(10, 0, 256, [[IE.octetDeltaCount, 4, REVERSE_PEN], [IE.octetDeltaCount, 4, 9], [IE.tcpControlBits, 1, REVERSE_PEN]]));
    assert.deepEqual(plan(t), [[Kind.REV_BYTES, 0, 4], [Kind.REV_TCP_FLAGS, 8, 1]]);
  });

  it('plans variable-length templates by field index', () => {
    const t = compiled(spec(10, 0, 256, [[IE.sourceIPv4Address, 4], [82, 65535], [IE.destinationIPv4Address, 4]]));
    assert.equal(t.fixedLength, -1);
    assert.equal(t.minLength, 9);
    assert.deepEqual(plan(t), [[Kind.SRC_V4, 0, 4], [Kind.DST_V4, 2, 4]]);
  });

  it('v9 options scope fields are never elements; IPFIX scope fields are', () => {
    // v9 scope type 2 (interface) would be IE 2 packetDeltaCount if read as an element.
    const v9 = compiled(spec(9, 0, 300, [[2, 4], [IE.samplingInterval, 4], [IE.samplingAlgorithm, 1]], true, 1));
    assert.deepEqual(plan(v9), [[Kind.SAMPLING_INTERVAL, 4, 4]]);
    const ipfix = compiled(spec(10, 0, 300, [[IE.selectorId, 4], [IE.samplingPacketInterval, 4], [IE.samplingPacketSpace, 4]], true, 1));
    assert.deepEqual(plan(ipfix).map((p) => p[0]), [Kind.SAMPLER_ID, Kind.PACKET_INTERVAL, Kind.PACKET_SPACE]);
  });

  it('rejects templates with no fields, only zero-length fields, or records over the limit', () => {
    assert.equal(CompiledTemplate.compile(A, spec(9, 0, 256, []), 8192, 0), 1);
    assert.equal(CompiledTemplate.compile(A, spec(9, 0, 256, [[1, 0], [2, 0]]), 8192, 0), 1);
    assert.equal(CompiledTemplate.compile(A, spec(9, 0, 256, [[1, 4], [82, 9000]]), 8192, 0), 2);
    assert.equal(CompiledTemplate.compile(A, spec(9, 0, 256, [[82, 65535], [83, 65535]]), 65535, 0), 2);
  });
});

describe('TemplateCache', () => {
  it('adds, refreshes and updates, with counters', () => {
    const c = new TemplateCache();
    assert.equal(c.define(A, spec(9, 0, 256, V4), 1000), DefineOutcome.NEW);
    assert.equal(c.define(A, spec(9, 0, 256, V4), 2000), DefineOutcome.REFRESHED);
    assert.equal(c.get(A, 9, 0, 256, 2000)!.updatedMs, 2000);
    assert.equal(c.define(A, spec(9, 0, 256, [...V4, [IE.packetDeltaCount, 4]]), 3000), DefineOutcome.UPDATED);
    assert.equal(c.get(A, 9, 0, 256, 3000)!.fieldCount, 4);
    assert.equal(c.countFor(A), 1);
    assert.deepEqual(c.stats, { added: 1, refreshed: 1, updates: 1, withdrawals: 0, expiries: 0, evictions: 0, refused: 0 });
  });

  it('keys by exporter, protocol, domain and template id', () => {
    const c = new TemplateCache();
    c.define(A, spec(9, 0, 256, V4), 0);
    c.define(A, spec(10, 0, 256, V4), 0);
    c.define(A, spec(9, 1, 256, V4), 0);
    c.define(B, spec(9, 0, 256, V4), 0);
    c.define(A, spec(9, 0, 257, V4), 0);
    assert.equal(c.size, 5);
    assert.equal(c.countFor(A), 4);
    assert.equal(c.countFor(B), 1);
    assert.equal(c.get(A, 10, 1, 256, 0), undefined);
    assert.equal(c.get(A, 10, 0, 256, 0)!.protocol, 10);
  });

  it('refuses new templates beyond the per-exporter limit, keeps the known ones', () => {
    const c = new TemplateCache({ maxTemplatesPerExporter: 2 });
    assert.equal(c.define(A, spec(9, 0, 256, V4), 0), DefineOutcome.NEW);
    assert.equal(c.define(A, spec(9, 0, 257, V4), 0), DefineOutcome.NEW);
    assert.equal(c.define(A, spec(9, 0, 258, V4), 0), DefineOutcome.CACHE_FULL);
    // Updates of known ids still work.
    assert.equal(c.define(A, spec(9, 0, 257, [[IE.sourceIPv4Address, 4]]), 0), DefineOutcome.UPDATED);
    assert.equal(c.define(B, spec(9, 0, 258, V4), 0), DefineOutcome.NEW);
    assert.equal(c.stats.refused, 1);
    assert.equal(c.countFor(A), 2);
  });

  it('evicts the least recently defined template when the total limit is reached', () => {
    const c = new TemplateCache({ maxTemplatesTotal: 2 });
    c.define(A, spec(9, 0, 256, V4), 0);
    c.define(B, spec(9, 0, 256, V4), 1);
    c.define(A, spec(9, 0, 256, V4), 2); // refresh: A is now the most recent
    assert.equal(c.define(A, spec(9, 0, 300, V4), 3), DefineOutcome.NEW);
    assert.equal(c.get(B, 9, 0, 256, 3), undefined);
    assert.notEqual(c.get(A, 9, 0, 256, 3), undefined);
    assert.equal(c.stats.evictions, 1);
    assert.equal(c.countFor(B), 0);
    assert.equal(c.size, 2);
  });

  it('expires lazily at lookup and explicitly with expire()', () => {
    const c = new TemplateCache({ templateTimeoutMs: 1000 });
    c.define(A, spec(9, 0, 256, V4), 0);
    c.define(A, spec(9, 0, 257, V4), 500);
    assert.notEqual(c.get(A, 9, 0, 256, 1000), undefined);
    assert.equal(c.get(A, 9, 0, 256, 1001), undefined);
    assert.equal(c.stats.expiries, 1);
    assert.equal(c.expire(1500), 0);
    assert.equal(c.expire(1501), 1);
    assert.equal(c.size, 0);
    assert.equal(c.countFor(A), 0);
    assert.equal(c.stats.expiries, 2);
  });

  it('default timeout is 1800 s', () => {
    const c = new TemplateCache();
    assert.equal(c.limits.templateTimeoutMs, TEMPLATE_TIMEOUT_MS);
    assert.equal(TEMPLATE_TIMEOUT_MS, 1_800_000);
    c.define(A, spec(9, 0, 256, V4), 0);
    assert.notEqual(c.get(A, 9, 0, 256, 1_800_000), undefined);
    assert.equal(c.get(A, 9, 0, 256, 1_800_001), undefined);
  });

  it('withdraws one template or all data / all options templates of a domain', () => {
    const c = new TemplateCache();
    c.define(A, spec(10, 5, 256, V4), 0);
    c.define(A, spec(10, 5, 257, V4), 0);
    c.define(A, spec(10, 5, 258, [[IE.samplingInterval, 4]], true, 0), 0);
    c.define(A, spec(10, 6, 256, V4), 0);
    assert.equal(c.withdraw(A, 10, 5, 256), true);
    assert.equal(c.withdraw(A, 10, 5, 256), false);
    assert.equal(c.withdrawAll(A, 10, 5, false), 1);
    assert.notEqual(c.get(A, 10, 5, 258, 0), undefined);
    assert.equal(c.withdrawAll(A, 10, 5, true), 1);
    assert.equal(c.get(A, 10, 6, 256, 0)?.templateId, 256);
    assert.equal(c.stats.withdrawals, 3);
    assert.equal(c.countFor(A), 1);
  });

  it('rejects bad definitions with their outcome', () => {
    const c = new TemplateCache({ maxFieldsPerTemplate: 4, maxRecordLength: 100 });
    assert.equal(c.define(A, spec(9, 0, 256, []), 0), DefineOutcome.NO_FIELDS);
    assert.equal(c.define(A, spec(9, 0, 256, [[1, 0]]), 0), DefineOutcome.NO_FIELDS);
    assert.equal(c.define(A, spec(9, 0, 256, [[1, 4], [2, 4], [3, 4], [4, 4], [5, 4]]), 0), DefineOutcome.TOO_LARGE);
    assert.equal(c.define(A, spec(9, 0, 256, [[1, 101]]), 0), DefineOutcome.TOO_LARGE);
    assert.equal(c.define(A, spec(9, 0, 256, [[1, 4]], true, 2), 0), DefineOutcome.INVALID);
    assert.equal(c.size, 0);
  });

  it('validates its limits', () => {
    assert.throws(() => new TemplateCache({ maxFieldsPerTemplate: 0 }), RangeError);
    assert.throws(() => new TemplateCache({ maxRecordLength: 70000 }), RangeError);
    assert.throws(() => new TemplateCache({ templateTimeoutMs: Number.NaN }), RangeError);
    assert.deepEqual(new TemplateCache().limits, {
      maxTemplatesPerExporter: MAX_TEMPLATES_PER_EXPORTER,
      maxTemplatesTotal: MAX_TEMPLATES_TOTAL,
      maxFieldsPerTemplate: MAX_TEMPLATE_FIELDS,
      maxRecordLength: MAX_TEMPLATE_RECORD_LENGTH,
      templateTimeoutMs: TEMPLATE_TIMEOUT_MS,
    });
  });

  it('exports and imports templates as JSON', () => {
    const c = new TemplateCache();
    c.define(A, spec(9, 7, 256, V4), 1000);
    c.define(B, spec(10, 3, 400, [[IE.sourceIPv6Address, 16], [82, 65535], [IE.octetDeltaCount, 8, REVERSE_PEN]]), 2000);
    c.define(B, spec(10, 3, 401, [[IE.selectorId, 2], [IE.samplingPacketInterval, 4]], true, 1), 3000);
    const stored = JSON.parse(JSON.stringify(c.exportTemplates())) as StoredTemplate[];
    assert.deepEqual(stored, [
      {
        exporter: A, protocol: 9, domain: 7, templateId: 256, options: false, scopeFieldCount: 0, updatedMs: 1000,
        fields: [
          { type: 8, length: 4, enterprise: 0 },
          { type: 12, length: 4, enterprise: 0 },
          { type: 1, length: 4, enterprise: 0 },
        ],
      },
      {
        exporter: B, protocol: 10, domain: 3, templateId: 400, options: false, scopeFieldCount: 0, updatedMs: 2000,
        fields: [
          { type: 27, length: 16, enterprise: 0 },
          { type: 82, length: 65535, enterprise: 0 },
          { type: 1, length: 8, enterprise: REVERSE_PEN },
        ],
      },
      {
        exporter: B, protocol: 10, domain: 3, templateId: 401, options: true, scopeFieldCount: 1, updatedMs: 3000,
        fields: [
          { type: 302, length: 2, enterprise: 0 },
          { type: 305, length: 4, enterprise: 0 },
        ],
      },
    ]);
    const d = new TemplateCache();
    assert.deepEqual(d.importTemplates(stored, 5000), { imported: 3, skipped: 0 });
    assert.deepEqual(d.exportTemplates(), stored);
    assert.equal(d.countFor(B), 2);
    const t = d.get(B, 10, 3, 400, 5000)!;
    assert.equal(t.fixedLength, -1);
    assert.equal(t.hasReverse, true);
  });

  it('import skips invalid and expired entries and clamps future times', () => {
    const good: StoredTemplate = {
      exporter: A, protocol: 9, domain: 0, templateId: 256, options: false, scopeFieldCount: 0, updatedMs: 10_000,
      fields: [{ type: 8, length: 4, enterprise: 0 }],
    };
    const bad: unknown[] = [
      null,
      'x',
      { ...good, protocol: 5 },
      { ...good, templateId: 255 },
      { ...good, domain: -1 },
      { ...good, fields: [] },
      { ...good, fields: [{ type: 8, length: 4, enterprise: 9 }] }, // v9 has no enterprise fields
      { ...good, fields: [{ type: 8, length: 70000, enterprise: 0 }] },
      { ...good, scopeFieldCount: 1 }, // scope on a data template
      { ...good, updatedMs: Number.POSITIVE_INFINITY },
      { ...good, exporter: '' },
      { ...good, fields: [{ type: 1, length: 0, enterprise: 0 }] }, // compiles to no fields
    ];
    const c = new TemplateCache({ templateTimeoutMs: 1000 });
    const expired = { ...good, templateId: 257, updatedMs: 0 };
    const future = { ...good, templateId: 258, updatedMs: 99_999 };
    assert.deepEqual(c.importTemplates([...bad, good, expired, future], 5000), { imported: 2, skipped: bad.length + 1 });
    assert.equal(c.get(A, 9, 0, 258, 5000)!.updatedMs, 5000);
    assert.equal(c.get(A, 9, 0, 256, 5000)!.updatedMs, 5000);
  });

  it('forgets an exporter', () => {
    const c = new TemplateCache();
    c.define(A, spec(9, 0, 256, V4), 0);
    c.define(A, spec(10, 1, 256, V4), 0);
    c.define(B, spec(9, 0, 256, V4), 0);
    assert.equal(c.forget(A), 2);
    assert.equal(c.size, 1);
    assert.equal(c.countFor(A), 0);
  });
});
