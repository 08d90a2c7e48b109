/**
 * The grammar, loaded on first use. Importing it (chevrotain, and the parser it builds)
 * takes longer than everything else the console does before its banner, so the
 * interactive console prints the banner and the prompt first and loads it right after;
 * statements and completion wait for it. Scripts (-e, -f) load it with their first
 * statement.
 *
 * @module
 */
import type * as GrammarModule from '../grammar/index.ts';

/** The grammar module (grammar/index.ts). */
export type Grammar = typeof GrammarModule;

let loading: Promise<Grammar> | undefined;

/** The grammar; the first call starts loading it, later ones share that load. */
export function loadGrammar(): Promise<Grammar> {
  loading ??= import('../grammar/index.ts');
  return loading;
}
