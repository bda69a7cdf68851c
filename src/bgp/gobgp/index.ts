/**
 * GoBGP v3 driver: gRPC client, proto loading (gobgp-speaker.ts) and the Route <-> apipb.Path
 * encoding for unicast and FlowSpec, IPv4 and IPv6 (encode.ts).
 */
export { GobgpSpeaker, loadGobgpApi, DEFAULT_GOBGP_PROTO_DIR, GOBGP_MAX_LISTED_PATHS, type GobgpSpeakerOptions } from './gobgp-speaker.js';
export { routeToPath, pathToRoute, familyOf, GOBGP_FAMILIES, type ApiFamily, type ApiObject } from './encode.js';
