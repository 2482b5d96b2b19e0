export * from './errors.js';
export * from './canonical.js';
export * from './digest.js';
export * from './hex.js';
export * from './merkle.js';
export * from './config.js';
export * from './format.js';
