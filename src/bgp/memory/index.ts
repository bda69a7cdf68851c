/** In-memory speaker for unit tests and dry-run (see memory-speaker.ts). */
export { MemorySpeaker, type MemorySpeakerOptions } from './memory-speaker.js';
