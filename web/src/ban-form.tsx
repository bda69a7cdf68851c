/**
 * Manual blackhole (RTBH) of one host: POST /api/v1/mitigations/blackhole, after a confirmation.
 * The daemon applies the same safety checks as for detections (allow-list, monitored networks,
 * cap); its refusal is shown under the form.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, type Mitigation } from './api';
import { ask } from './dialog';
import { duration } from './format';
import { live } from './live';
import { ErrorBox, flash } from './ui';

export const DURATIONS: Array<{ label: string; value: number | null | undefined }> = [
  { label: 'ban time of the policy', value: undefined },
  { label: '10 minutes', value: 600 },
  { label: '1 hour', value: 3600 },
  { label: '6 hours', value: 6 * 3600 },
  { label: '1 day', value: 86400 },
  { label: 'no expiry', value: 0 },
];

export function BanForm({ host: fixedHost }: { host?: string }) {
  const [host, setHost] = useState(fixedHost ?? '');
  const [dur, setDur] = useState(0);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const target = (fixedHost ?? host).trim();

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (!target) {
      setError(new ApiError(400, 'invalid_request', 'body.host: enter the address to blackhole'));
      return;
    }
    const d = DURATIONS[dur];
    const ok = await ask({
      title: `Blackhole ${target}?`,
      body: (
        <p>
          All traffic to <b>{target}</b> will be dropped by the routers that accept the RTBH route ({d.value === undefined ? 'for the ban time of its policy' : d.value === 0 ? 'until withdrawn by hand' : `for ${duration(d.value)}`}).
        </p>
      ),
      confirm: 'Blackhole',
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    try {
      const body: Record<string, unknown> = { host: target };
      if (d.value !== undefined) body.duration_seconds = d.value;
      if (reason.trim()) body.reason = reason.trim();
      const r = await api<{ mitigation: Mitigation; created: boolean }>('mitigations/blackhole', { method: 'POST', body });
      flash('ok', r.created ? `blackholed ${r.mitigation.host}` : `${r.mitigation.host} was already blackholed: updated`);
      setReason('');
      if (!fixedHost) setHost('');
      live.changed();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form ban-form" onSubmit={(e) => void submit(e)} data-form="ban">
      {!fixedHost && (
        <label>
          host
          <input name="host" value={host} onInput={(e) => setHost((e.target as HTMLInputElement).value)} placeholder="192.0.2.10 or 2001:db8::10" autocomplete="off" spellcheck={false} />
        </label>
      )}
      <label>
        duration
        <select name="duration" value={String(dur)} onChange={(e) => setDur(Number((e.target as HTMLSelectElement).value))}>
          {DURATIONS.map((d, i) => (
            <option key={d.label} value={String(i)}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        reason
        <input name="reason" value={reason} maxLength={500} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder="why (kept in the audit trail)" />
      </label>
      <button type="submit" class="btn danger" disabled={busy}>
        Blackhole{fixedHost ? ' this host' : ''}
      </button>
      <ErrorBox error={error} what="refused" />
    </form>
  );
}
