/**
 * The API's FlowSpec request schemas, shared with the daemon (src/api/flowspec-schema.ts imports
 * nothing but zod, so Vite bundles it for the browser as it is).
 */
export * from '../../src/api/flowspec-schema.js';
