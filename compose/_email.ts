/**
 * RFC 5322 address check for `acme_email` (manifests.md §1.6): an addr-spec
 * (`local@domain`), optionally inside a name-addr (`Team <local@domain>`).
 * Obsolete syntax and comments are not accepted; ACME servers would refuse them.
 *
 * @module
 */

const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const dotAtom = new RegExp(`^${atext}+(?:\\.${atext}+)*$`);
const quotedString = /^"(?:[^"\\\r\n]|\\[\x20-\x7e])*"$/;
const domainLiteral = /^\[[\x21-\x5a\x5e-\x7e]*\]$/;
const displayName = /^(?:[^<>"\r\n]*|"(?:[^"\\\r\n]|\\.)*")$/;

/**
 * Returns why `text` is not a valid address, or `undefined` when it is.
 * The reason is a short lower-case phrase for the caller's message.
 */
export function emailAddressProblem(text: string): string | undefined {
  let address = text.trim();
  if (address === "") return "no address";
  const open = address.indexOf("<");
  if (open >= 0) {
    if (!address.endsWith(">")) return "missing closing angle bracket";
    if (!displayName.test(address.slice(0, open).trim())) return "invalid display name";
    address = address.slice(open + 1, -1);
  } else if (address.includes(">")) {
    return "unexpected closing angle bracket";
  }
  const at = address.lastIndexOf("@");
  if (at < 0) return "missing @ in addr-spec";
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local === "") return "empty local part";
  if (!dotAtom.test(local) && !quotedString.test(local)) return `invalid local part "${local}"`;
  if (domain === "") return "empty domain";
  if (!dotAtom.test(domain) && !domainLiteral.test(domain)) return `invalid domain "${domain}"`;
  return undefined;
}
