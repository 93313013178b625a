import assert from "node:assert/strict";
import { emailAddressProblem } from "./_email.ts";
import { parseByteSize, parseDurationMs } from "./_formats.ts";

Deno.test("parseDurationMs() reads Go-style compose durations", () => {
  assert.equal(parseDurationMs("10s"), 10_000);
  assert.equal(parseDurationMs("1m30s"), 90_000);
  assert.equal(parseDurationMs("1.5h"), 5_400_000);
  assert.equal(parseDurationMs("250ms"), 250);
  assert.equal(parseDurationMs("0"), 0);
  for (const bad of ["10", "-1s", "1 s", "s", "1d", ""]) {
    assert.throws(() => parseDurationMs(bad), RangeError, bad);
  }
});

Deno.test("parseByteSize() reads docker byte sizes", () => {
  assert.equal(parseByteSize("64m"), 64 * 1024 ** 2);
  assert.equal(parseByteSize("1GB"), 1024 ** 3);
  assert.equal(parseByteSize("512"), 512);
  assert.equal(parseByteSize(2048), 2048);
  assert.equal(parseByteSize("1.5k"), 1536);
  for (const bad of ["lots", "-1m", "1x", ""]) assert.throws(() => parseByteSize(bad), RangeError);
});

Deno.test("emailAddressProblem() accepts addr-spec and name-addr, names the problem otherwise", () => {
  for (
    const ok of [
      "ops@example.org",
      "Ops Team <ops@example.org>",
      '"a b"@example.org',
      "a@[127.0.0.1]",
    ]
  ) {
    assert.equal(emailAddressProblem(ok), undefined, ok);
  }
  assert.equal(emailAddressProblem(""), "no address");
  assert.equal(emailAddressProblem("ops"), "missing @ in addr-spec");
  assert.equal(emailAddressProblem("@example.org"), "empty local part");
  assert.equal(emailAddressProblem("ops@"), "empty domain");
  assert.equal(emailAddressProblem("o ps@example.org"), 'invalid local part "o ps"');
  assert.equal(emailAddressProblem("ops@exa mple.org"), 'invalid domain "exa mple.org"');
  assert.equal(emailAddressProblem("Ops <ops@example.org"), "missing closing angle bracket");
});
