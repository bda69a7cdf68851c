/**
 * The confirmation dialog every change goes through (withdraw, extend, ban, FlowSpec rule):
 * `ask()` opens it and resolves with the chosen value, or null when cancelled (button, Escape,
 * click outside). A plain modal <div> rather than window.confirm, so it can show what will be
 * announced or withdrawn and offer choices (extend by how long).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Question<T> {
  title: string;
  body: ComponentChildren;
  confirm: string;
  danger?: boolean;
  /** Offer a choice; the dialog resolves with the chosen value. */
  choices?: Array<{ label: string; value: T }>;
  initial?: T;
}

type Pending = { q: Question<unknown>; resolve: (v: unknown) => void };
let pending: Pending | null = null;
const listeners = new Set<() => void>();

export function ask<T = true>(q: Question<T>): Promise<T | null> {
  return new Promise((resolve) => {
    pending?.resolve(null);
    pending = { q: q as Question<unknown>, resolve: resolve as (v: unknown) => void };
    for (const l of listeners) l();
  });
}

function close(v: unknown): void {
  const p = pending;
  pending = null;
  p?.resolve(v);
  for (const l of listeners) l();
}

export function DialogHost() {
  const [, setN] = useState(0);
  useEffect(() => {
    const l = () => setN((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  const p = pending;
  if (!p) return null;
  return <Dialog key={p.q.title + String(p.q.initial)} q={p.q} />;
}

function Dialog({ q }: { q: Question<unknown> }) {
  const [choice, setChoice] = useState<number>(Math.max(0, q.choices?.findIndex((c) => c.value === q.initial) ?? 0));
  const confirmBtn = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    confirmBtn.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(null);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && close(null)}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title">
        <h2 id="modal-title">{q.title}</h2>
        <div class="modal-body">{q.body}</div>
        {q.choices && (
          <div class="choices" role="radiogroup">
            {q.choices.map((c, i) => (
              <label key={c.label} class={i === choice ? 'choice selected' : 'choice'}>
                <input type="radio" name="choice" checked={i === choice} onChange={() => setChoice(i)} /> {c.label}
              </label>
            ))}
          </div>
        )}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={() => close(null)}>
            Cancel
          </button>
          <button type="button" ref={confirmBtn} class={q.danger ? 'btn danger' : 'btn primary'} data-confirm onClick={() => close(q.choices ? q.choices[choice].value : true)}>
            {q.confirm}
          </button>
        </div>
      </div>
    </div>
  );
}
