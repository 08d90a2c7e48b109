/**
 * The DDL language of Strata, its door: `parse` text into typed statements, `print`
 * them back, `complete` a line for the console. No I/O, no knowledge of the engine.
 *
 * @module
 */
export { complete, parse, parseOne } from './api.ts';
export { print, showTargetText } from './printer.ts';
export * from './ast.ts';
export { type Quantity, type ValueKind, kindDescription, quantityValue } from './literals.ts';
export { expectedNames, type ExpectedNames, type NameKind } from './names.ts';
export { inputState, splitScript, type InputState, type ScriptPart } from './split.ts';
