// The real `shulian` CLI run from the sources (what bin/shulian.js runs from dist/), for tests that spawn it.
import { main } from '../../node/cli/index.js';

process.exitCode = await main(process.argv);
