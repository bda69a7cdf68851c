/**
 * Strict wire readers for flowgen's own tests: they check framing (lengths, padding, counts) of
 * what the encoders write. Deliberately small and assert-heavy; they are not decoders — the real
 * ones live in src/flow/ and are exercised by roundtrip.test.ts.
 */
import assert from 'node:assert/strict';

export interface WireField {
  id: number;
  length: number;
}

export interface WireTemplate {
  id: number;
  fields: WireField[];
  scopeCount: number;
}

export interface WireSet {
  id: number;
  length: number;
  /** Bytes after the last whole record (data sets) or after the last template record. */
  padding: number;
  templates: WireTemplate[];
  /** Data records as field id → value (numbers; addresses as byte arrays). */
  records: Map<number, number | number[]>[];
}

export interface WireMessage {
  version: number;
  /** v9 count / IPFIX length. */
  countOrLength: number;
  uptimeOrExportTime: number;
  /** v9: unix secs; IPFIX: sequence. */
  word3: number;
  /** v9: sequence; IPFIX: domain. */
  word4: number;
  /** v9 only: source id. */
  sourceId: number;
  sets: WireSet[];
}

function readValue(b: Buffer, o: number, len: number): number | number[] {
  if (len === 16) return [...b.subarray(o, o + 16)];
  if (len === 8) return b.readUInt32BE(o) * 0x100000000 + b.readUInt32BE(o + 4);
  return b.readUIntBE(o, len);
}

/** Parses a v9 or IPFIX message; templates learned here are kept in `known` for later messages. */
export function parseTemplateMessage(b: Buffer, known: Map<number, WireTemplate>): WireMessage {
  const version = b.readUInt16BE(0);
  const ipfix = version === 10;
  assert.ok(version === 9 || version === 10);
  const hdr = ipfix ? 16 : 20;
  const m: WireMessage = {
    version,
    countOrLength: b.readUInt16BE(2),
    uptimeOrExportTime: b.readUInt32BE(4),
    word3: b.readUInt32BE(8),
    word4: b.readUInt32BE(12),
    sourceId: ipfix ? 0 : b.readUInt32BE(16),
    sets: [],
  };
  if (ipfix) assert.equal(m.countOrLength, b.length, 'IPFIX length = message length');
  let o = hdr;
  while (o < b.length) {
    assert.ok(o + 4 <= b.length, 'set header fits');
    const id = b.readUInt16BE(o);
    const length = b.readUInt16BE(o + 2);
    assert.ok(length >= 4 && o + length <= b.length, `set ${id} length ${length} fits`);
    const set: WireSet = { id, length, padding: 0, templates: [], records: [] };
    const end = o + length;
    let p = o + 4;
    const tmplId = ipfix ? 2 : 0;
    const optId = ipfix ? 3 : 1;
    if (id === tmplId || id === optId) {
      while (end - p >= (id === tmplId ? 4 : 6)) {
        const tid = b.readUInt16BE(p);
        if (tid === 0) break; // padding
        const t: WireTemplate = { id: tid, fields: [], scopeCount: 0 };
        let n: number;
        if (id === tmplId) {
          n = b.readUInt16BE(p + 2);
          p += 4;
        } else if (ipfix) {
          n = b.readUInt16BE(p + 2);
          t.scopeCount = b.readUInt16BE(p + 4);
          p += 6;
        } else {
          // v9: scope and option lengths are in bytes (RFC 3954 §6.1).
          const scopeBytes = b.readUInt16BE(p + 2);
          const optBytes = b.readUInt16BE(p + 4);
          assert.equal(scopeBytes % 4, 0);
          assert.equal(optBytes % 4, 0);
          t.scopeCount = scopeBytes / 4;
          n = (scopeBytes + optBytes) / 4;
          p += 6;
        }
        for (let i = 0; i < n; i++) {
          const fid = b.readUInt16BE(p);
          assert.equal(fid & 0x8000, 0, 'no enterprise fields');
          t.fields.push({ id: fid, length: b.readUInt16BE(p + 2) });
          p += 4;
        }
        assert.ok(p <= end);
        set.templates.push(t);
        known.set(t.id, t);
      }
      set.padding = end - p;
      assert.ok(b.subarray(p, end).every((x) => x === 0), 'template set padding is zero');
    } else {
      assert.ok(id >= 256, `data set id ${id} >= 256`);
      const t = known.get(id);
      assert.ok(t, `template ${id} known before its data`);
      const recLen = t.fields.reduce((a, f) => a + f.length, 0);
      while (end - p >= recLen) {
        const r = new Map<number, number | number[]>();
        for (const f of t.fields) {
          r.set(f.id, readValue(b, p, f.length));
          p += f.length;
        }
        set.records.push(r);
      }
      set.padding = end - p;
      assert.ok(b.subarray(p, end).every((x) => x === 0), 'data set padding is zero');
    }
    m.sets.push(set);
    o = end;
  }
  assert.equal(o, b.length);
  return m;
}
