/**
 * The example alerting rules of docs/metrics.md, cut out of the page so that the tests can hand
 * them to promtool and to a real Prometheus: the examples users copy are checked, not a copy.
 */

/** The YAML block under "## Alerting rules" in the text of docs/metrics.md. */
export function exampleRules(markdown: string): string {
  const at = markdown.indexOf('\n## Alerting rules');
  if (at < 0) throw new Error('docs/metrics.md: no "## Alerting rules" section');
  const m = /```yaml\n([\s\S]*?)```/.exec(markdown.slice(at));
  if (!m) throw new Error('docs/metrics.md: no ```yaml block under "## Alerting rules"');
  return m[1];
}
