#!/usr/bin/env node
// The `strata` command: runs the console's TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
