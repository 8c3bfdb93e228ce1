// Reads vCards on stdin with ical.js and prints, per card, the properties the tests check.
import ICAL from "ical.js";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const parsed = ICAL.parse(text);
const cards = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((jcal) => {
  const card = new ICAL.Component(jcal);
  const one = (name) => {
    const property = card.getFirstProperty(name);
    return property ? property.getFirstValue() : null;
  };
  return {
    version: one("version"),
    kind: one("kind"),
    fn: one("fn"),
    n: card.getFirstProperty("n") ? card.getFirstProperty("n").getValues()[0] : null,
    note: one("note"),
    tel: card.getAllProperties("tel").map((tel) => ({
      value: tel.getFirstValue(),
      type: tel.getParameter("type"),
      valueType: tel.type,
    })),
  };
});
process.stdout.write(JSON.stringify(cards));
