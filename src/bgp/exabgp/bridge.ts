#!/usr/bin/env node
/**
 * The program ExaBGP runs from its `process` section:
 *
 *   process breakwater {
 *     run /usr/bin/node /opt/breakwater/dist/src/bgp/exabgp/bridge.js --socket /run/breakwater/exabgp.sock;
 *     encoder text;
 *   }
 *
 * It relays lines between ExaBGP (its stdin/stdout) and the Breakwater daemon (a Unix socket the
 * daemon listens on). It depends on nothing but Node, so it keeps working while the daemon is
 * down or restarting.
 *
 * It ALWAYS drains stdin, connected or not: ExaBGP writes acks and events to this process with a
 * blocking write, and a full pipe stalls ExaBGP's whole reactor, keepalives included
 * (bgp-apis.md §A.2; Exa-Networks/exabgp#882, #913, #1034). Lines that arrive while the daemon is
 * away are dropped; the daemon resyncs (`show adj-rib out`) on every new connection, so nothing
 * is lost. When ExaBGP closes stdin (it stops or restarts us) the bridge exits.
 */
import { connect, type Socket } from 'node:net';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback !== undefined) return fallback;
  process.stderr.write(`breakwater-exabgp-bridge: missing ${name} <value>\n`);
  process.exit(2);
}

const socketPath = arg('--socket');
const retryMaxMs = Number(arg('--retry-max-ms', '2000'));
/** A daemon that does not read is not allowed to make us buffer without bound. */
const MAX_PENDING_TO_DAEMON = 4 * 1024 * 1024;

let sock: Socket | null = null;
let connected = false;
let retryMs = 100;
let stdinEnded = false;

function log(msg: string): void {
  // stderr goes to ExaBGP's log (it is inherited, bgp-apis.md §A.2).
  process.stderr.write(`breakwater-exabgp-bridge: ${msg}\n`);
}

function dial(): void {
  if (stdinEnded) return;
  const s = connect(socketPath);
  sock = s;
  s.setNoDelay?.(true);
  s.on('connect', () => {
    connected = true;
    retryMs = 100;
    log(`connected to ${socketPath}`);
  });
  // Commands from the daemon go to ExaBGP unchanged; it reads them line by line.
  s.on('data', (chunk) => {
    process.stdout.write(chunk);
  });
  s.on('error', () => {
    /* reported by close */
  });
  s.on('close', () => {
    if (connected) log('daemon connection closed');
    connected = false;
    sock = null;
    if (stdinEnded) return;
    const t = setTimeout(dial, retryMs);
    t.unref();
    retryMs = Math.min(retryMaxMs, retryMs * 2);
    // Keep the process alive while waiting to reconnect: stdin is the reason we live.
  });
}

process.stdin.on('data', (chunk: Buffer) => {
  if (connected && sock && sock.writableLength < MAX_PENDING_TO_DAEMON) sock.write(chunk);
  // else: dropped on purpose (see the header comment).
});
process.stdin.on('end', () => {
  stdinEnded = true;
  sock?.end();
  setTimeout(() => process.exit(0), 200).unref();
});
process.stdout.on('error', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

dial();
