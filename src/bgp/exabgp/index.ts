/**
 * ExaBGP 4.2 drivers: the bridge program ExaBGP runs as its API process (bridge.ts), the daemon
 * side that talks to it over a Unix socket (exabgp-speaker.ts, optionally supervising ExaBGP
 * itself, supervisor.ts), the named-pipe writer for existing setups (pipe-speaker.ts), and the
 * text API rendering/parsing they share (commands.ts).
 */
export { ExabgpSpeaker, exabgpCommandsFor, EXABGP_MAX_LINE_BYTES, EXABGP_MAX_RESPONSE_LINES, EXABGP_MAX_QUEUED_COMMANDS, type ExabgpSpeakerOptions } from './exabgp-speaker.js';
export { ExabgpSupervisor, renderExabgpConfig, defaultBridgePath, type ExabgpSupervisorOptions, type ExabgpNeighbor, type ExabgpFamily } from './supervisor.js';
export { ExabgpPipeSpeaker, type ExabgpPipeSpeakerOptions } from './pipe-speaker.js';
export { renderAnnounce, renderWithdraw, parseAdjRibOut, parseNeighborEvent, type AdjRibEntry, type AdjRibParse } from './commands.js';
