/** Numbers, rates, durations and times as operators read them: SI prefixes, bit rates in bit/s. */

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1234567 → "1.23 M" (three significant digits). */
export function si(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return '–';
  const neg = n < 0;
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2;
  const text = i === 0 && !Number.isInteger(v) && v < 10 ? v.toFixed(v < 1 ? 2 : 1) : v.toFixed(digits);
  return `${neg ? '-' : ''}${text}${unit || SI[i] ? ' ' : ''}${SI[i]}${unit}`;
}

export const pps = (n: number): string => si(n, 'pps');
export const bps = (n: number): string => si(n, 'bit/s');
/** Mbit/s (the API's unit for thresholds and peaks) as a bit rate. */
export const mbps = (n: number): string => si(n * 1e6, 'bit/s');

export function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

/** 3725 → "1 h 02 min"; 75 → "1 min 15 s". */
export function duration(seconds: number | null): string {
  if (seconds === null) return 'never';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** Local date and time, to the second. */
export function time(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function clock(ms: number): string {
  return time(ms).slice(11);
}

const ATTACK_TYPES: Record<string, string> = {
  syn_flood: 'SYN flood',
  tcp_synack_flood: 'TCP SYN-ACK flood',
  tcp_ack_flood: 'TCP ACK flood',
  tcp_rst_flood: 'TCP RST flood',
  udp_flood: 'UDP flood',
  icmp_flood: 'ICMP flood',
  ip_fragmentation_flood: 'IP fragment flood',
  amplification: 'amplification',
  unknown: 'unclassified flood',
};

export function attackType(t: string): string {
  return ATTACK_TYPES[t] ?? t.replace(/_/g, ' ');
}

/** Time of day for today (daemon clock), date and time otherwise. */
export function when(ms: number, nowMs: number): string {
  const full = time(ms);
  return full.slice(0, 10) === time(nowMs).slice(0, 10) ? full.slice(11) : full;
}

/** Route text without an empty community list ("… then discard comm "). */
export function routeDisplay(text: string): string {
  return text.replace(/ comm\s*$/, '');
}

/** Threshold metric names (pps, tcp_mbps, …) as labels. */
export function metricLabel(m: string): string {
  const [cat, unit] = m.includes('_') ? m.split('_') : ['', m];
  const u = unit === 'pps' ? 'pps' : unit === 'mbps' ? 'Mbit/s' : unit === 'flows' ? 'flows/s' : unit;
  return cat ? `${cat.toUpperCase()} ${u}` : u;
}

export function metricValue(m: string, v: number): string {
  if (m.endsWith('mbps')) return mbps(v);
  if (m.endsWith('pps')) return pps(v);
  return si(v, m === 'flows' ? 'flows/s' : '');
}
