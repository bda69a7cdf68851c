/**
 * Pieces shared by the pages: links, badges, error boxes, the attack and mitigation tables with
 * their withdraw and extend buttons, and the flash messages that report what an action did.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type AttackSummary, type Mitigation, type SpeakerStatus } from './api';
import { ask } from './dialog';
import { live } from './live';
import { ruleState } from './speakers';
import { attackType, duration, mbps, pps, routeDisplay, time, when } from './format';

export function href(path: string): string {
  return `#${path}`;
}

export function HostLink({ host }: { host: string }) {
  return (
    <a class="mono" href={href(`/host/${host}`)}>
      {host}
    </a>
  );
}

export function Badge({ kind, children, title }: { kind: string; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge ${kind}`} title={title}>
      {children}
    </span>
  );
}

export function ErrorBox({ error, what }: { error: Error | null; what?: string }) {
  if (!error) return null;
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div class="error-box" role="alert">
      <strong>{what ? `${what}: ` : ''}</strong>
      {error.message}
      {problems.length > 1 && (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Panel({ title, children, actions, id, class: cls }: { title: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren; id?: string; class?: string }) {
  return (
    <section class={`panel ${cls ?? ''}`} id={id}>
      <header class="panel-head">
        <h2>{title}</h2>
        {actions && <div class="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

// ---------------------------------------------------------------- flash messages

type Flash = { id: number; kind: 'ok' | 'error'; text: string };
let flashes: Flash[] = [];
let flashSeq = 0;
const flashListeners = new Set<() => void>();

export function flash(kind: Flash['kind'], text: string): void {
  const f = { id: ++flashSeq, kind, text };
  flashes = [...flashes.slice(-4), f];
  for (const l of flashListeners) l();
  setTimeout(() => {
    flashes = flashes.filter((x) => x.id !== f.id);
    for (const l of flashListeners) l();
  }, kind === 'ok' ? 6000 : 15000);
}

export function Flashes() {
  const [, setN] = useState(0);
  useEffect(() => {
    const l = () => setN((n) => n + 1);
    flashListeners.add(l);
    return () => flashListeners.delete(l);
  }, []);
  return (
    <div class="flashes" aria-live="polite">
      {flashes.map((f) => (
        <div key={f.id} class={`flash ${f.kind}`} role={f.kind === 'error' ? 'alert' : 'status'}>
          {f.text}
        </div>
      ))}
    </div>
  );
}

// ---------------------------------------------------------------- actions

export async function withdrawMitigation(m: Mitigation): Promise<boolean> {
  const ok = await ask({
    title: 'Withdraw this mitigation?',
    body: (
      <>
        <p>
          The {m.kind} route for <b>{m.host}</b> will be withdrawn from every BGP speaker{m.attackId ? ', even though it was placed for an attack' : ''}.
        </p>
        <pre class="route">{routeDisplay(m.routeText)}</pre>
      </>
    ),
    confirm: 'Withdraw',
    danger: true,
  });
  if (!ok) return false;
  try {
    await api(`mitigations/${encodeURIComponent(m.id)}`, { method: 'DELETE', body: { reason: 'withdrawn from the dashboard' } });
    flash('ok', `withdrawn: ${m.kind} ${m.host}`);
    live.changed();
    return true;
  } catch (e) {
    flash('error', `withdraw ${m.kind} ${m.host} failed: ${(e as Error).message}`);
    return false;
  }
}

export const EXTEND_CHOICES: Array<{ label: string; value: number | null }> = [
  { label: '10 minutes from now', value: 600 },
  { label: '1 hour from now', value: 3600 },
  { label: '6 hours from now', value: 6 * 3600 },
  { label: '1 day from now', value: 86400 },
  { label: 'never expire (withdraw by hand)', value: null },
];

export async function extendMitigation(m: Mitigation): Promise<boolean> {
  const seconds = await ask<number | null | 'none'>({
    title: 'Extend this mitigation?',
    body: (
      <>
        <p>
          {m.kind} for <b>{m.host}</b>, now {m.expiresMs === null ? 'without expiry' : `expiring in ${duration(m.secondsLeft)}`}. Set it to expire:
        </p>
        <pre class="route">{routeDisplay(m.routeText)}</pre>
      </>
    ),
    confirm: 'Extend',
    choices: EXTEND_CHOICES.map((c) => ({ label: c.label, value: c.value === null ? 'none' : c.value })),
    initial: 3600,
  });
  if (seconds === null) return false;
  try {
    await api(`mitigations/${encodeURIComponent(m.id)}/extend`, { method: 'POST', body: { seconds: seconds === 'none' ? null : seconds, reason: 'extended from the dashboard' } });
    flash('ok', `extended: ${m.kind} ${m.host} ${seconds === 'none' ? 'never expires' : `expires in ${duration(seconds)}`}`);
    live.changed();
    return true;
  } catch (e) {
    flash('error', `extend ${m.kind} ${m.host} failed: ${(e as Error).message}`);
    return false;
  }
}

// ---------------------------------------------------------------- tables

/** Seconds left now, from the value the API gave when the list was fetched. */
export function secondsLeft(m: Mitigation): number | null {
  if (m.expiresMs === null) return null;
  return Math.max(0, Math.round((m.expiresMs - live.serverNow()) / 1000));
}

export function SpeakerChips({ m, speakers }: { m: Mitigation; speakers: SpeakerStatus[] }) {
  if (speakers.length === 0) return <span class="muted">no speaker configured</span>;
  return (
    <span class="chips">
      {speakers.map((s) => {
        const st = ruleState(m, s);
        return (
          <span key={s.name} class={`chip state-${st.state}`} title={st.text} data-speaker={s.name} data-state={st.state}>
            {s.name}: {st.state.replace('-', ' ')}
          </span>
        );
      })}
    </span>
  );
}

/** Rows drawn at most (a carpet-bombing storm can leave thousands of mitigations). */
export const MAX_ROWS = 500;

export function MitigationTable({ mitigations, speakers, actions = true, compact = false, empty = 'no active mitigation', limit = MAX_ROWS, more }: { mitigations: Mitigation[]; speakers: SpeakerStatus[]; actions?: boolean; compact?: boolean; empty?: string; limit?: number; more?: string }) {
  if (mitigations.length === 0) return <p class="muted empty">{empty}</p>;
  const all = [...mitigations].sort((a, b) => b.createdMs - a.createdMs);
  const sorted = all.slice(0, limit);
  return (
    <div class="table-wrap">
      <table class="mitigations">
        <thead>
          <tr>
            <th>kind</th>
            <th>host / prefix</th>
            {!compact && <th>route</th>}
            <th>source</th>
            <th>speaker state</th>
            <th>time left</th>
            {actions && <th class="actions-col">actions</th>}
          </tr>
        </thead>
        <tbody>
          {sorted.map((m) => (
            <tr key={m.id} data-mitigation={m.id} data-kind={m.kind} data-host={m.host}>
              <td>
                <Badge kind={m.kind}>{m.kind}</Badge>
                {m.dryRun && <Badge kind="dry">dry run</Badge>}
              </td>
              <td>{m.kind === 'escalation' ? <span class="mono">{m.host}</span> : <HostLink host={m.host} />}</td>
              {!compact && (
                <td class="mono route-text" title={m.reason}>
                  {routeDisplay(m.routeText)}
                </td>
              )}
              <td>
                {m.source === 'manual' ? `manual (${m.user ?? '?'})` : m.attackId ? <a href={href(`/attack/${m.attackId}`)}>detection</a> : 'detection'}
              </td>
              <td>
                <SpeakerChips m={m} speakers={speakers} />
              </td>
              <td class="num">{m.expiresMs === null ? 'no expiry' : duration(secondsLeft(m))}</td>
              {actions && (
                <td class="actions-col">
                  <button type="button" class="btn small" data-action="extend" onClick={() => void extendMitigation(m)}>
                    Extend
                  </button>{' '}
                  <button type="button" class="btn small danger" data-action="withdraw" onClick={() => void withdrawMitigation(m)}>
                    Withdraw
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {all.length > sorted.length && (
        <p class="muted more">
          {all.length - sorted.length} more not shown{more ? ': ' : ''}
          {more && <a href={more}>see all</a>}
        </p>
      )}
    </div>
  );
}

export function AttackTable({ attacks, empty = 'no active attack', showHost = true, limit = MAX_ROWS }: { attacks: AttackSummary[]; empty?: string; showHost?: boolean; limit?: number }) {
  if (attacks.length === 0) return <p class="muted empty">{empty}</p>;
  const now = live.serverNow();
  // Strongest first: what an operator looks at during a storm.
  const shown = [...attacks].sort((a, b) => b.current.pps - a.current.pps || b.startedMs - a.startedMs).slice(0, limit);
  return (
    <div class="table-wrap">
      <table class="attacks">
        <thead>
          <tr>
            {showHost && <th>host</th>}
            <th>type</th>
            <th>direction</th>
            <th class="num">power now</th>
            <th class="num">peak</th>
            <th class="num">duration</th>
            <th>started</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a.id} data-attack={a.id} data-host={a.host} class={a.status === 'active' ? 'active-attack' : ''}>
              {showHost && (
                <td>
                  <HostLink host={a.host} />
                </td>
              )}
              <td>
                <a href={href(`/attack/${a.id}`)} class="attack-type">
                  {attackType(a.type)}
                  {a.amplification ? ` (${a.amplification.service})` : ''}
                </a>
                {a.allowListed && <Badge kind="warn">allow-listed</Badge>}
              </td>
              <td>{a.direction}</td>
              <td class="num">
                {a.status === 'active' ? (
                  <>
                    {pps(a.current.pps)}
                    <br />
                    <span class="muted">{mbps(a.current.mbps)}</span>
                  </>
                ) : (
                  <span class="muted">ended</span>
                )}
              </td>
              <td class="num">
                {pps(a.peak.pps)}
                <br />
                <span class="muted">{mbps(a.peak.mbps)}</span>
              </td>
              <td class="num">{duration(a.status === 'active' ? Math.max(a.durationSeconds, (now - a.startedMs) / 1000) : a.durationSeconds)}</td>
              <td class="muted nowrap" title={time(a.startedMs)}>
                {when(a.startedMs, now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {attacks.length > shown.length && <p class="muted more">{attacks.length - shown.length} more active attacks not shown</p>}
    </div>
  );
}
