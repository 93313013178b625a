/** Counts of top-level tests in a JUnit report (test steps are not counted). */
export interface JunitSummary {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Summarizes the JUnit XML that `deno test --junit-path` writes. Steps appear
 * as test cases named `parent > step`; only top-level tests are counted, so a
 * test with steps counts once.
 */
export function summarizeJunit(xml: string): JunitSummary {
  const summary: JunitSummary = { passed: 0, failed: 0, skipped: 0 };
  const suite = /<testsuite [^>]*>([\s\S]*?)<\/testsuite>/g;
  const testcase = /<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g;
  for (const [, suiteBody] of xml.matchAll(suite)) {
    // A step is reported as "<parent> > <step>" right after its parent in the same suite; a
    // test whose own name contains " > " has no such parent, so it still counts.
    const seen: string[] = [];
    for (const [, name, body] of suiteBody.matchAll(testcase)) {
      const isStep = seen.some((parent) => name.startsWith(`${parent} &gt; `));
      seen.push(name);
      if (isStep) continue;
      if (body.includes("<failure") || body.includes("<error")) summary.failed++;
      else if (body.includes("<skipped")) summary.skipped++;
      else summary.passed++;
    }
  }
  return summary;
}
