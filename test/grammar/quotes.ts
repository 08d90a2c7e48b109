/** Shared by the grammar tests: rewriting statement text outside its quotes. */

/** Applies `f` to every character outside quotes ('...' and "..."), keeping quoted text. */
export function outsideQuotes(text: string, f: (c: string, i: number) => string): string {
  let quote: string | null = null;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (quote === c) quote = null;
    out += quote === null && c !== "'" && c !== '"' ? f(c, i) : c;
  }
  return out;
}
