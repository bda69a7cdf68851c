/**
 * Time-series chart (uPlot, canvas): per-second rates by protocol. The chart follows its box's
 * width (ResizeObserver), so the same component fills a laptop column or a wall display. Data
 * updates go through setData, which redraws without rebuilding the chart: the overview updates
 * four of these every second.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Category } from './api';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Line width, CSS px. */
  width?: number;
  fill?: string;
}

export const CATEGORY_COLORS: Record<Category, string> = {
  total: '#e6edf3',
  tcp: '#4ea1ff',
  syn: '#ffb347',
  udp: '#3ecf8e',
  icmp: '#c792ea',
  fragments: '#ff6b6b',
};

export function categorySeries(cats: Category[]): SeriesSpec[] {
  return cats.map((c) => ({ label: c === 'total' ? 'total' : c === 'syn' ? 'TCP SYN' : c === 'fragments' ? 'fragments' : c.toUpperCase(), color: CATEGORY_COLORS[c], width: c === 'total' ? 2 : 1.5, fill: c === 'total' ? 'rgba(230,237,243,0.06)' : undefined }));
}

export interface Marker {
  /** Unix seconds. */
  x: number;
  label: string;
  color: string;
}

interface Props {
  title: string;
  series: SeriesSpec[];
  /** [x (unix seconds), ...one array per series]. */
  data: number[][];
  format: (v: number) => string;
  height?: number;
  markers?: Marker[];
  /** Test hook and accessible name. */
  id?: string;
}

function lastOf(a: ArrayLike<number | null | undefined> | undefined): number | null {
  return a && a.length ? (a[a.length - 1] ?? null) : null;
}

function timeText(v: number | null): string {
  return v == null ? '–' : new Date(v * 1000).toTimeString().slice(0, 8);
}

function valueText(v: number | null, f: (v: number) => string): string {
  return v == null ? '–' : f(v);
}

const AXIS = { stroke: '#8b95a7', grid: { stroke: 'rgba(139,149,167,0.15)', width: 1 }, ticks: { stroke: 'rgba(139,149,167,0.3)', width: 1 } };

/** Axis text follows the page's root font size (larger on a wall display); the canvas does not inherit CSS. */
function axisFont(): { font: string; px: number } {
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
  const px = Math.round(root * 0.78);
  return { font: `${px}px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif`, px };
}

export function TimeChart({ title, series, data, format, height = 220, markers = [], id }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markersRef = useRef<Marker[]>(markers);
  markersRef.current = markers;
  const fmt = useRef(format);
  fmt.current = format;
  const shape = series.map((s) => s.label + s.color).join('|');

  useEffect(() => {
    const el = box.current!;
    const { font, px } = axisFont();
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...AXIS, font, size: px * 3, space: px * 6, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toTimeString().slice(0, 8)) },
        { ...AXIS, font, size: px * 6, space: px * 3, values: (_u, ticks) => ticks.map((t) => fmt.current(t)) },
      ],
      padding: [10, 28, 0, 0],
      // Without the cursor on the chart, the legend shows the latest second.
      series: [
        { label: 'time', value: (u, v, _s, idx) => timeText(idx == null ? lastOf(u.data[0]) : v) },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.width ?? 1.5, fill: s.fill, points: { show: false }, value: (u: uPlot, v: number | null, si: number, idx: number | null) => valueText(idx == null ? lastOf(u.data[si]) : v, fmt.current) })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            for (const m of markersRef.current) {
              const x = Math.round(u.valToPos(m.x, 'x', true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.save();
              ctx.strokeStyle = m.color;
              ctx.setLineDash([4, 4]);
              ctx.lineWidth = devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillStyle = m.color;
              ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
              ctx.fillText(m.label, x + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
              ctx.restore();
            }
          },
        ],
      },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series or height change; data goes through setData.
  }, [shape, height]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data as uPlot.AlignedData);
    if (u.cursor.idx == null) u.setLegend({ idx: null as unknown as number });
  }, [data]);

  const points = data[0]?.length ?? 0;
  return (
    <figure class="chart" data-chart={id} data-points={points} aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {points === 0 && <div class="chart-empty">waiting for data…</div>}
    </figure>
  );
}

/** Horizontal bars of shares (fingerprint: ports, protocols, prefixes…). */
export function ShareBars({ title, items, highlight, empty = 'none', id }: { title: string; items: Array<{ label: string; share: number }>; highlight?: string | null; empty?: string; id?: string }) {
  return (
    <figure class="bars" data-bars={id}>
      <figcaption>{title}</figcaption>
      {items.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul>
          {items.map((it) => (
            <li key={it.label} class={highlight === it.label ? 'dominant' : ''} title={highlight === it.label ? 'dominant value: usable in a FlowSpec rule' : undefined}>
              <span class="bar-label">{it.label}</span>
              <span class="bar-track">
                <span class="bar-fill" style={{ width: `${Math.max(0.5, Math.min(100, it.share * 100))}%` }} />
              </span>
              <span class="bar-value">{(it.share * 100).toFixed(it.share >= 0.1 ? 0 : 1)} %</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** Vertical histogram with labelled columns (packet sizes). */
export function Histogram({ title, items, id }: { title: string; items: Array<{ label: string; share: number }>; id?: string }) {
  const max = Math.max(0.0001, ...items.map((i) => i.share));
  return (
    <figure class="histogram" data-bars={id}>
      <figcaption>{title}</figcaption>
      <div class="hist-cols">
        {items.map((it) => (
          <div class="hist-col" key={it.label} title={`${it.label}: ${(it.share * 100).toFixed(1)} %`}>
            <span class="hist-value">{it.share > 0 ? `${(it.share * 100).toFixed(it.share >= 0.1 ? 0 : 1)} %` : ''}</span>
            <span class="hist-bar" style={{ height: `${(it.share / max) * 100}%` }} />
            <span class="hist-label">{it.label}</span>
          </div>
        ))}
      </div>
    </figure>
  );
}
