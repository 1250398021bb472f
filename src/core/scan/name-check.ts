// Names that imitate other names (mixed scripts, look-alike letters) and characters that hide or reorder text.
import { characterTricks, letterScripts, type TextField, withoutInvisible } from "./definition-text.ts";
import type { FindingDraft } from "./finding.ts";

const LOOKALIKES: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  һ: "h",
  ԁ: "d",
  ӏ: "l",
  ԛ: "q",
  ԝ: "w",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  У: "Y",
  І: "I",
  Ј: "J",
  Ѕ: "S",
  ο: "o",
  α: "a",
  ρ: "p",
  ν: "v",
  κ: "k",
  ι: "i",
  τ: "t",
  υ: "u",
  χ: "x",
  ε: "e",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
  ı: "i",
  ℓ: "l",
};

/** The name as the Latin letters it imitates, or null when it imitates nothing. */
function latinSkeleton(name: string): string | null {
  let changed = false;
  let out = "";
  for (const char of name.normalize("NFKC")) {
    const latin = LOOKALIKES[char];
    if (latin) changed = true;
    out += latin ?? char;
  }
  return changed && /^[\x20-\x7e]+$/.test(out) ? out : null;
}

export function nameFindings(field: string, name: string, label: string): FindingDraft[] {
  const visible = withoutInvisible(name);
  const skeleton = latinSkeleton(visible);
  const scripts = letterScripts(visible);
  if (skeleton !== null || (scripts.has("Latin") && scripts.size > 1)) {
    return [
      {
        ruleId: "tool-homoglyph-name",
        field,
        evidence: name,
        detail: `The ${label} "${name}" ${skeleton ? `looks like "${skeleton}" but` : ""} mixes scripts (${[...scripts].join(", ")}).`,
      },
    ];
  }
  return [];
}

export function characterFindings(field: TextField): FindingDraft[] {
  return characterTricks(field.text).map((trick) => ({
    ruleId: "tool-invisible-characters",
    field: field.field,
    evidence: `${trick.count} × ${trick.example} (${trick.trick.replaceAll("_", " ")})`,
    detail: `The ${field.field} holds ${trick.count} ${trick.trick.replaceAll("_", " ")} character${trick.count === 1 ? "" : "s"} (first ${trick.example}).`,
    severity: trick.trick === "tag_characters" ? "critical" : "high",
  }));
}
