/**
 * Live packet capture (collectors.packet_capture): for sites without flow export, tcpdump
 * children capture interfaces (a mirror/SPAN port, a small site's uplink) and write classic pcap
 * to a pipe; the stream is read incrementally, sampled 1 in N, and every selected packet becomes a
 * flow sample for traffic accounting, parsed as sFlow's sampled headers are. This module owns the
 * incremental pcap reader, the supervised tcpdump child of one interface, and the set of them the
 * daemon starts and stops. Reading capture files is src/capture/; replaying them is src/replay/.
 * User documentation: docs/packet-capture.md.
 */
export {
  MAX_STREAM_RECORD_BYTES,
  PCAP_STREAM_ERROR_CODES,
  PcapStreamError,
  PcapStreamReader,
} from './pcap-stream.js';
export type { PcapStreamErrorCode, PcapStreamHeader, PcapRecordHandler, PcapStreamOptions } from './pcap-stream.js';
export { InterfaceCapture, tcpdumpArgs } from './interface-capture.js';
export type { CaptureState, InterfaceCaptureStatus, InterfaceCaptureDeps } from './interface-capture.js';
export { PacketCaptureSet } from './capture-set.js';
