// The real `shulian` CLI run from the sources, for the end-to-end tests that spawn it.
import { main } from '../../node/cli/index.js';

process.exitCode = await main(process.argv);
