/** The audit console's static files at /console: see router.ts; the pages themselves live in gateway/console. */
export { consoleRouter, CONSOLE_PATH, CONSOLE_CSP, type ConsoleOptions } from './router.js';
