// Runs the shulian CLI from source (as bin/shulian.js does from dist/), for tests that spawn it.
import { main } from '../../../node/cli/index.js';

process.exitCode = await main(process.argv);
