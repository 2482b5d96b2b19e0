#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (postinstall) and `npm run build`.
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv);
