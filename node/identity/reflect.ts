// @peculiar/x509 resolves its services through tsyringe, which refuses to load without a Reflect
// metadata polyfill; import this module before any value import of @peculiar/x509.
import 'reflect-metadata';
