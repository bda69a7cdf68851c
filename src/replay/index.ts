/**
 * Replay owns running recorded traffic through the daemon after the fact: reading pcap/pcapng
 * files of any size in bounded windows (capture-file.ts), telling flow telemetry from ordinary
 * packets and which collector a datagram was for (telemetry.ts), turning ordinary packets of a
 * mirror port into 1-in-N flow samples (raw-packets.ts), the replay itself — the daemon's own
 * components with the capture's timestamps as the clock, nothing announced (replay.ts) — and the
 * report of what the daemon would have done (report.ts). The `breakwater replay` command
 * (src/cli/commands/replay.ts) is its front end; recording the datagrams a live daemon receives
 * is src/flow/recorder.ts.
 */
export { WINDOW_BYTES, MAX_SECTION_PREFIX_BYTES, probeCaptureFile, streamCapturePackets, type CaptureFileInfo, type StreamOptions } from './capture-file.js';
export { RawPacketSampler, RawPacketStats, MAX_RAW_SAMPLING, type RawSkipReason } from './raw-packets.js';
export { listenerPorts, sniffTelemetry } from './telemetry.js';
export {
  replayCapture,
  replayConfig,
  detectMode,
  ReplayInputError,
  MAX_REPORT_ATTACKS,
  MAX_REPORT_AUDIT,
  MAX_GAP_SECONDS,
  MODE_PROBE_PACKETS,
  type ReplayMode,
  type ReplayOptions,
  type ReplayProgress,
} from './replay.js';
export { formatReport, describeFingerprint, type ReplayReport, type ReplayAttack, type ReplayMitigation, type ReplayRefusal, type PeakHost, type ReplayExporter } from './report.js';
