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
  const testcase = /<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g;
  for (const match of xml.matchAll(testcase)) {
    const [, name, body] = match;
    if (name.includes(" &gt; ")) continue;
    if (body.includes("<failure") || body.includes("<error")) summary.failed++;
    else if (body.includes("<skipped")) summary.skipped++;
    else summary.passed++;
  }
  return summary;
}
