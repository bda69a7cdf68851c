/**
 * Manual FlowSpec rule form (POST /api/v1/mitigations/flowspec). The request body is validated in
 * the browser with the API's own schemas (flowspec-schema.ts) before anything is sent, and the
 * problems are listed in the daemon's words; what only the daemon can check (the destination is
 * inside a monitored network, not allow-listed, the cap on mitigations) comes back as its error
 * and is shown in the same place.
 */
import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, type Mitigation } from './api';
import { DURATIONS } from './ban-form';
import { ask } from './dialog';
import { ACTION_TYPES, FRAGMENTS, flowspecBodyProblems, PROTOCOL_NUMBERS, TCP_FLAGS } from './flowspec-schema';
import { routeDisplay } from './format';
import { live } from './live';
import { flash } from './ui';

type NumericMatch = number | { min?: number; max?: number };
type FlagState = 'any' | 'set' | 'clear';

export interface FormState {
  destination: string;
  source: string;
  protocols: string[];
  otherProtocols: string;
  sourcePorts: string;
  destinationPorts: string;
  packetLength: string;
  tcpFlags: Record<string, FlagState>;
  fragment: string[];
  icmpType: string;
  icmpCode: string;
  action: (typeof ACTION_TYPES)[number];
  mbps: string;
  routeTarget: string;
  dscp: string;
  communities: string;
  duration: number;
  reason: string;
}

export function emptyForm(destination = ''): FormState {
  return {
    destination,
    source: '',
    protocols: [],
    otherProtocols: '',
    sourcePorts: '',
    destinationPorts: '',
    packetLength: '',
    tcpFlags: Object.fromEntries(TCP_FLAGS.map((f) => [f, 'any'])),
    fragment: [],
    icmpType: '',
    icmpCode: '',
    action: 'discard',
    mbps: '',
    routeTarget: '',
    dscp: '',
    communities: '',
    duration: 0,
    reason: '',
  };
}

/**
 * "53, 123, 1024-65535, >=1024, <=100" → [53, 123, {min:1024,max:65535}, {min:1024}, {max:100}].
 * Only the syntax is checked here; ranges are the schema's job, so its messages are the API's.
 */
export function parseNumericList(text: string, field: string): { value?: NumericMatch[]; problems: string[] } {
  const t = text.replace(/\s*-\s*/g, '-').replace(/(>=|<=)\s+/g, '$1').trim();
  if (!t) return { problems: [] };
  const out: NumericMatch[] = [];
  const problems: string[] = [];
  for (const tok of t.split(/[\s,]+/).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if (/^\d+$/.test(tok)) out.push(Number(tok));
    else if ((m = /^(\d+)-(\d+)$/.exec(tok))) out.push({ min: Number(m[1]), max: Number(m[2]) });
    else if ((m = /^>=(\d+)$/.exec(tok))) out.push({ min: Number(m[1]) });
    else if ((m = /^<=(\d+)$/.exec(tok))) out.push({ max: Number(m[1]) });
    else problems.push(`body.match.${field}: '${tok}' is not a number, a range (1024-65535) or a bound (>=1024, <=1023)`);
  }
  return problems.length ? { problems } : { value: out, problems };
}

function parseNumber(text: string, path: string, problems: string[]): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    problems.push(`${path}: '${t}' is not a number`);
    return undefined;
  }
  return n;
}

/** The request body the form describes, and the problems found while reading the fields. */
export function buildBody(f: FormState): { body: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const match: Record<string, unknown> = { destination: f.destination.trim() };
  if (f.source.trim()) match.source = f.source.trim();
  const protocols: Array<string | number> = [...f.protocols];
  for (const tok of f.otherProtocols.split(/[\s,]+/).filter(Boolean)) {
    if (/^\d+$/.test(tok)) protocols.push(Number(tok));
    else if (tok.toLowerCase() in PROTOCOL_NUMBERS) protocols.push(tok.toLowerCase());
    else problems.push(`body.match.protocols: '${tok}' is not a protocol number or one of ${Object.keys(PROTOCOL_NUMBERS).join(', ')}`);
  }
  if (protocols.length) match.protocols = protocols;
  for (const field of ['sourcePorts', 'destinationPorts', 'packetLength'] as const) {
    const r = parseNumericList(f[field], field);
    problems.push(...r.problems);
    if (r.value) match[field] = r.value;
  }
  const flags = Object.entries(f.tcpFlags).filter(([, v]) => v !== 'any');
  if (flags.length) match.tcpFlags = Object.fromEntries(flags.map(([k, v]) => [k, v === 'set']));
  if (f.fragment.length) match.fragment = [...f.fragment];
  const icmpType = parseNumber(f.icmpType, 'body.match.icmpType', problems);
  if (icmpType !== undefined) match.icmpType = icmpType;
  const icmpCode = parseNumber(f.icmpCode, 'body.match.icmpCode', problems);
  if (icmpCode !== undefined) match.icmpCode = icmpCode;

  let action: Record<string, unknown> = { type: f.action };
  if (f.action === 'rate-limit') {
    const v = parseNumber(f.mbps, 'body.action.mbps', problems);
    if (v === undefined && !f.mbps.trim()) problems.push('body.action.mbps: enter the rate in Mbit/s');
    action = { type: f.action, mbps: v };
  } else if (f.action === 'redirect') action = { type: f.action, routeTarget: f.routeTarget.trim() };
  else if (f.action === 'mark') {
    const v = parseNumber(f.dscp, 'body.action.dscp', problems);
    if (v === undefined && !f.dscp.trim()) problems.push('body.action.dscp: enter the DSCP value (0-63)');
    action = { type: f.action, dscp: v };
  }
  if (action.mbps === undefined) delete action.mbps;
  if (action.dscp === undefined) delete action.dscp;

  const body: Record<string, unknown> = { match, action };
  const communities = f.communities.split(/[\s,]+/).filter(Boolean);
  if (communities.length) body.communities = communities;
  const d = DURATIONS[f.duration]?.value;
  if (d !== undefined) body.duration_seconds = d;
  if (f.reason.trim()) body.reason = f.reason.trim();
  return { body, problems };
}

/** Problems for the body: the form's own (syntax), then the schema's, de-duplicated by field. */
export function validate(f: FormState): { body: Record<string, unknown>; problems: string[] } {
  const { body, problems } = buildBody(f);
  const seen = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
  const schema = flowspecBodyProblems(body).filter((p) => ![...seen].some((s) => p.startsWith(s)));
  return { body, problems: [...problems, ...schema] };
}

function invalid(problems: string[], field: string): boolean {
  return problems.some((p) => p.startsWith(`body.${field}:`) || p.startsWith(`body.${field}.`));
}

export function FlowspecForm({ initialDestination = '' }: { initialDestination?: string }) {
  const [f, setF] = useState<FormState>(() => emptyForm(initialDestination));
  const [problems, setProblems] = useState<string[]>([]);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<Mitigation | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((old) => ({ ...old, [k]: v }));
  const preview = useMemo(() => JSON.stringify(buildBody(f).body, null, 1), [f]);
  const text = (k: 'destination' | 'source' | 'otherProtocols' | 'sourcePorts' | 'destinationPorts' | 'packetLength' | 'icmpType' | 'icmpCode' | 'mbps' | 'routeTarget' | 'dscp' | 'communities' | 'reason') => ({
    name: k,
    value: f[k],
    onInput: (e: Event) => set(k, (e.target as HTMLInputElement).value),
    autocomplete: 'off',
    spellcheck: false,
  });
  const cls = (field: string) => (invalid(problems, field) ? 'invalid' : '');

  async function submit(e: Event) {
    e.preventDefault();
    setServerError(null);
    setCreated(null);
    const v = validate(f);
    setProblems(v.problems);
    if (v.problems.length) return;
    const ok = await ask({
      title: 'Announce this FlowSpec rule?',
      body: (
        <>
          <p>The rule goes to every BGP speaker after the daemon's safety checks.</p>
          <pre class="route">{JSON.stringify(v.body, null, 1)}</pre>
        </>
      ),
      confirm: 'Announce',
    });
    if (!ok) return;
    setBusy(true);
    try {
      const r = await api<{ mitigation: Mitigation; created: boolean }>('mitigations/flowspec', { method: 'POST', body: v.body });
      setCreated(r.mitigation);
      flash('ok', `FlowSpec rule ${r.created ? 'announced' : 'updated'}: ${routeDisplay(r.mitigation.routeText)}`);
      live.changed();
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError(0, 'error', (err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form flowspec-form" data-form="flowspec" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset>
        <legend>match</legend>
        <label class={cls('match.destination')}>
          destination prefix *
          <input {...text('destination')} placeholder="192.0.2.10/32" />
        </label>
        <label class={cls('match.source')}>
          source prefix
          <input {...text('source')} placeholder="any" />
        </label>
        <div class={`field ${cls('match.protocols')}`}>
          <span class="field-label">protocols</span>
          <span class="checks">
            {Object.keys(PROTOCOL_NUMBERS).map((p) => (
              <label key={p} class="check">
                <input type="checkbox" name={`protocol-${p}`} checked={f.protocols.includes(p)} onChange={(e) => set('protocols', (e.target as HTMLInputElement).checked ? [...f.protocols, p] : f.protocols.filter((x) => x !== p))} /> {p}
              </label>
            ))}
            <input {...text('otherProtocols')} class="short" placeholder="other: 41, 132" />
          </span>
        </div>
        <label class={cls('match.sourcePorts')}>
          source ports
          <input {...text('sourcePorts')} placeholder="53, 123, 1024-65535" />
        </label>
        <label class={cls('match.destinationPorts')}>
          destination ports
          <input {...text('destinationPorts')} placeholder="80, 443" />
        </label>
        <label class={cls('match.packetLength')}>
          packet length (bytes)
          <input {...text('packetLength')} placeholder="<=100, 1400-1500" />
        </label>
        <div class={`field ${cls('match.tcpFlags')}`}>
          <span class="field-label">TCP flags</span>
          <span class="checks">
            {TCP_FLAGS.map((fl) => (
              <label key={fl} class="check">
                {fl}{' '}
                <select name={`flag-${fl}`} value={f.tcpFlags[fl]} onChange={(e) => set('tcpFlags', { ...f.tcpFlags, [fl]: (e.target as HTMLSelectElement).value as FlagState })}>
                  <option value="any">any</option>
                  <option value="set">set</option>
                  <option value="clear">clear</option>
                </select>
              </label>
            ))}
          </span>
        </div>
        <div class={`field ${cls('match.fragment')}`}>
          <span class="field-label">fragments</span>
          <span class="checks">
            {FRAGMENTS.map((fr) => (
              <label key={fr} class="check">
                <input type="checkbox" name={`fragment-${fr}`} checked={f.fragment.includes(fr)} onChange={(e) => set('fragment', (e.target as HTMLInputElement).checked ? [...f.fragment, fr] : f.fragment.filter((x) => x !== fr))} /> {fr}
              </label>
            ))}
          </span>
        </div>
        <label class={cls('match.icmpType')}>
          ICMP type
          <input {...text('icmpType')} class="short" inputMode="numeric" />
        </label>
        <label class={cls('match.icmpCode')}>
          ICMP code
          <input {...text('icmpCode')} class="short" inputMode="numeric" />
        </label>
      </fieldset>
      <fieldset>
        <legend>then</legend>
        <label class={cls('action.type')}>
          action
          <select name="action" value={f.action} onChange={(e) => set('action', (e.target as HTMLSelectElement).value as FormState['action'])}>
            {ACTION_TYPES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        {f.action === 'rate-limit' && (
          <label class={cls('action.mbps')}>
            rate (Mbit/s)
            <input {...text('mbps')} class="short" inputMode="decimal" />
          </label>
        )}
        {f.action === 'redirect' && (
          <label class={cls('action.routeTarget')}>
            route target (ASN:NN)
            <input {...text('routeTarget')} placeholder="65000:666" />
          </label>
        )}
        {f.action === 'mark' && (
          <label class={cls('action.dscp')}>
            DSCP (0-63)
            <input {...text('dscp')} class="short" inputMode="numeric" />
          </label>
        )}
        <label class={cls('communities')}>
          communities
          <input {...text('communities')} placeholder="65000:100" />
        </label>
        <label>
          duration
          <select name="duration" value={String(f.duration)} onChange={(e) => set('duration', Number((e.target as HTMLSelectElement).value))}>
            {DURATIONS.map((d, i) => (
              <option key={d.label} value={String(i)}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label class={`grow ${cls('reason')}`}>
          reason
          <input {...text('reason')} maxLength={500} placeholder="why (kept in the audit trail)" />
        </label>
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>
          Announce rule
        </button>
        <button
          type="button"
          class="btn"
          onClick={() => {
            setF(emptyForm());
            setProblems([]);
            setServerError(null);
            setCreated(null);
          }}
        >
          Clear
        </button>
      </div>
      {problems.length > 0 && (
        <div class="error-box" role="alert" data-problems>
          <strong>Not sent — fix these first:</strong>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      {serverError && (
        <div class="error-box" role="alert" data-server-error={serverError.code}>
          <strong>The daemon refused the rule ({serverError.status} {serverError.code}):</strong> {serverError.message}
          {serverError.problems.length > 1 && (
            <ul>
              {serverError.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {created && (
        <div class="ok-box" role="status" data-created={created.id}>
          Announced: <span class="mono">{routeDisplay(created.routeText)}</span>
        </div>
      )}
      <details class="preview">
        <summary>request body</summary>
        <pre>{preview}</pre>
      </details>
    </form>
  );
}
