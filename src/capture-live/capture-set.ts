/**
 * The packet captures of `collectors.packet_capture`, started and stopped together: what the
 * daemon holds. Starting is all or nothing, so a daemon never runs with some of the interfaces it
 * was told to watch silently missing.
 */
import type { PacketCaptureConfig } from '../config/collectors.js';
import { InterfaceCapture, type InterfaceCaptureDeps, type InterfaceCaptureStatus } from './interface-capture.js';

export class PacketCaptureSet {
  readonly captures: readonly InterfaceCapture[];

  constructor(configs: readonly PacketCaptureConfig[], deps: InterfaceCaptureDeps) {
    this.captures = configs.map((c) => new InterfaceCapture(c, deps));
  }

  get size(): number {
    return this.captures.length;
  }

  /**
   * Starts every capture. When any cannot start, the others are stopped again and the error lists
   * every failure, each in tcpdump's words.
   */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.captures.map((c) => c.start()));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failures.length === 0) return;
    await this.stop();
    throw new Error(failures.length === 1 ? failures[0] : `${failures.length} packet captures could not start:\n- ${failures.join('\n- ')}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.captures.map((c) => c.stop()));
  }

  status(): InterfaceCaptureStatus[] {
    return this.captures.map((c) => c.status());
  }
}
