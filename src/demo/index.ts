/**
 * The demo owns `breakwater demo`: a generated config (config.ts) and a scripted run (demo.ts)
 * of the real daemon fed by flowgen over loopback — normal traffic, a flood, detection, mitigation
 * through ExaBGP into FRR when the BGP lab can run here (src/lab/), else dry-run — narrated as a
 * timeline. It adds no behaviour to the daemon: everything it shows is what an operator's
 * daemon does with the same config. docs/demo.md describes it.
 */
export * from './demo.js';
export { demoConfig, demoConfigYaml, DEMO_END_SECONDS, DEMO_THRESHOLD_MBPS, DEMO_THRESHOLD_PPS, DEMO_TRIGGER_SECONDS, type DemoConfigOptions } from './config.js';
