// Reads vCards on stdin with the npm package vcf and prints, per card, what the tests check
// (as read.mjs does with ical.js). vcf keeps text values as written: RFC 6350's escapes
// (\, \; \\ \n) are undone here, as an address book shows them.
import vCard from "vcf";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const unescape = (value) => value.replace(/\\([\\,;nN])/g, (_, c) => (c.toLowerCase() === "n" ? "\n" : c));
const all = (card, name) => {
  const found = card.get(name);
  return found === undefined ? [] : [].concat(found);
};
const one = (card, name) => {
  const [first] = all(card, name);
  return first === undefined ? null : unescape(first.valueOf());
};
const cards = vCard.parse(text).map((card) => ({
  version: card.version,
  kind: one(card, "kind"),
  fn: one(card, "fn"),
  n: all(card, "n").length ? all(card, "n")[0].valueOf().split(";").map(unescape) : null,
  note: one(card, "note"),
  tel: all(card, "tel").map((tel) => ({
    value: tel.valueOf(),
    type: [].concat(tel.type || []),
    valueType: tel.value || null,
  })),
}));
process.stdout.write(JSON.stringify(cards));
