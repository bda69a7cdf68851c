/**
 * The BGP lab of the end-to-end tests lives in src/lab/lab.ts, because `breakwater demo` uses it
 * too and shipped code must not import from test/. Re-exported here so the e2e files keep their
 * imports.
 */
export * from '../../src/lab/lab.js';
