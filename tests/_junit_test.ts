import assert from "node:assert/strict";
import { summarizeJunit } from "./_junit.ts";

Deno.test("summarizeJunit() counts top-level passes, failures and skips, not steps", () => {
  const xml = `<testsuites><testsuite name="a">
    <testcase name="passes" classname="a"></testcase>
    <testcase name="skipped" classname="a"><skipped/></testcase>
    <testcase name="fails" classname="a"><failure message="x">boom</failure></testcase>
    <testcase name="steps" classname="a"></testcase>
    <testcase name="steps &gt; s1" classname="a"><failure message="y">z</failure></testcase>
  </testsuite></testsuites>`;
  assert.deepEqual(summarizeJunit(xml), { passed: 2, failed: 1, skipped: 1 });
});

Deno.test("summarizeJunit() of an empty report counts nothing", () => {
  assert.deepEqual(summarizeJunit(""), { passed: 0, failed: 0, skipped: 0 });
});

Deno.test("summarizeJunit() counts a test whose own name contains ' > '", () => {
  const xml = `<testsuites><testsuite name="a">
    <testcase name="a &gt; b is not a step" classname="a"></testcase>
    <testcase name="parent" classname="a"></testcase>
    <testcase name="parent &gt; step" classname="a"></testcase>
  </testsuite></testsuites>`;
  assert.deepEqual(summarizeJunit(xml), { passed: 2, failed: 0, skipped: 0 });
});
