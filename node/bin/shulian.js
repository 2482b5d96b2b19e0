#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (postinstall) and `npm run build`.
import { main } from '../dist/cli/index.js';

// `shulian … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv);
