// Reading Lezer syntax trees: a node's children, its text and its line, for the two lowering modules.
import type { SyntaxNode } from "@lezer/common";
import { LineIndex } from "./code-ir.ts";

export class Source {
  readonly text: string;
  readonly #lines: LineIndex;

  constructor(text: string) {
    this.text = text;
    this.#lines = new LineIndex(text);
  }

  of(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  line(node: SyntaxNode): number {
    return this.#lines.lineOf(node.from);
  }
}

/** Every child of `node`, tokens (`(`, `,`, keywords) included, in order. */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) out.push(child);
  return out;
}

/** Comments: the parsers keep them in the tree, wherever they stand (`f( // why` puts one among the arguments). */
const COMMENT = /^(?:LineComment|BlockComment|Comment)$/;

/** Children that are syntax (capitalised node names), not punctuation, keywords, comments or parse errors. */
export function partsOf(node: SyntaxNode): SyntaxNode[] {
  return childrenOf(node).filter(
    (child) => /^[A-Z]/.test(child.name) && !child.type.isError && !COMMENT.test(child.name),
  );
}

/** The literal value of a string token as written (`"a"`, `'a'`, `` `a` ``, Python prefixes), without escapes resolved. */
export function stringValue(raw: string): string {
  const body = raw.replace(/^[rRbBuUfF]{0,2}/, "");
  for (const quote of ['"""', "'''", '"', "'", "`"]) {
    if (body.startsWith(quote) && body.endsWith(quote) && body.length >= quote.length * 2) {
      return body.slice(quote.length, body.length - quote.length);
    }
  }
  return body;
}
