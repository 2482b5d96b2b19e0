import { readFile } from 'node:fs/promises';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Position, ResourceView } from '../ports.js';
import { HttpProblem } from '../problem.js';
import { datestamp, parseOaiDate } from './dates.js';
import { metadataFormats, SHULIAN_XSD, type MetadataFormat } from './formats.js';
import { ItemLister, ORIGIN, type OaiIndex, type Selection } from './repository.js';
import { facetsOf, SET_SPEC, setName, setSpecsOf, withAncestors } from './sets.js';
import { createTokenCodec, type ListState } from './token.js';
import { element, wrap } from './xml.js';
import { shulianSchemaPath } from './schema-files.js';

export interface OaiDeps {
  readonly index: OaiIndex;
  /** The repository's org (MSP id): names the repository and its identifiers. */
  readonly mspId: string;
  /** Secret the resumption tokens' HMAC key is derived from (the gateway's cursor key, kept in the home). */
  readonly tokenKey: Uint8Array;
  /** `oai:<repositoryIdentifier>:<resource id>`; default `<mspId lowercased>.shulian`. */
  readonly repositoryIdentifier?: string;
  readonly repositoryName?: string;
  /** Default: SHULIAN_OAI_ADMIN_EMAIL, else `oai-admin@<repositoryIdentifier>`. */
  readonly adminEmail?: string;
  /** Items per ListIdentifiers / ListRecords response (a page ends on a whole transaction). Default 100. */
  readonly pageSize?: number;
  /** completeListSize is computed when a list's first page would scan at most this many changes. Default 20,000. */
  readonly maxCountScan?: number;
  readonly log?: Logger;
  readonly now?: () => Date;
}

type Verb = 'Identify' | 'ListMetadataFormats' | 'ListSets' | 'ListIdentifiers' | 'ListRecords' | 'GetRecord';

/** Arguments each verb accepts: required, optional, exclusive. */
const VERBS: Readonly<Record<Verb, { required: readonly string[]; optional: readonly string[]; exclusive?: string }>> =
  {
    Identify: { required: [], optional: [] },
    ListMetadataFormats: { required: [], optional: ['identifier'] },
    ListSets: { required: [], optional: [], exclusive: 'resumptionToken' },
    ListIdentifiers: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
    ListRecords: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
    GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [] },
  };

type ErrorCode =
  | 'badArgument'
  | 'badResumptionToken'
  | 'badVerb'
  | 'cannotDisseminateFormat'
  | 'idDoesNotExist'
  | 'noRecordsMatch'
  | 'noMetadataFormats'
  | 'noSetHierarchy';

class OaiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const OAI_NS = 'http://www.openarchives.org/OAI/2.0/';
const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/**
 * OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html) over the node's local index:
 * all six verbs by GET and by POST (application/x-www-form-urlencoded), `oai_dc` and `shulian`, sets by
 * owner, class and theme, datestamps from the chain's commit times (seconds granularity), withdrawals as
 * persistent deleted records, and stateless HMAC resumption tokens. Protocol errors are OAI-PMH error
 * responses (HTTP 200, as the protocol requires); failures of the node itself go to the gateway's
 * problem+json handler. Also serves the `shulian` format's XML Schema under /schemas/.
 */
export function oaiRouter(deps: Readonly<OaiDeps>): Router {
  const repositoryIdentifier = deps.repositoryIdentifier ?? `${deps.mspId.toLowerCase()}.shulian`;
  const prefix = `oai:${repositoryIdentifier}:`;
  const adminEmail = deps.adminEmail ?? process.env.SHULIAN_OAI_ADMIN_EMAIL ?? `oai-admin@${repositoryIdentifier}`;
  const repositoryName = deps.repositoryName ?? `Shulian repository of ${deps.mspId}`;
  const pageSize = deps.pageSize ?? 100;
  const maxCountScan = deps.maxCountScan ?? 20_000;
  const now = deps.now ?? (() => new Date());
  const tokens = createTokenCodec(deps.tokenKey);
  const lister = new ItemLister(deps.index);
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 32 });

  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/oai';
    next();
  });

  router.get(`/schemas/${SHULIAN_XSD}`, async (_req: Request, res: Response) => {
    res.type('application/xml').send(await readFile(shulianSchemaPath(), 'utf8'));
  });

  const handle = (req: Request, res: Response, args: Readonly<Record<string, unknown>>, refused?: OaiError): void => {
    const baseUrl = `https://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
    const formats = metadataFormats(`${baseUrl}/schemas/${SHULIAN_XSD}`);
    const responseDate = datestamp(now().toISOString());
    let requestAttrs: Record<string, string> = {};
    let body: string;
    try {
      if (refused) throw refused;
      const { verb, values } = checkArguments(args);
      requestAttrs = { verb, ...values };
      body = answer(verb, values, formats, baseUrl);
    } catch (err) {
      if (!(err instanceof OaiError)) throw err;
      // for badVerb / badArgument the request element carries the base URL only (protocol section 3.2)
      if (err.code === 'badVerb' || err.code === 'badArgument') requestAttrs = {};
      req.log?.info({ event: 'oai-error', code: err.code, reason: err.message }, 'OAI-PMH error response');
      body = element('error', err.message, { code: err.code });
    }
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      wrap('OAI-PMH', element('responseDate', responseDate) + element('request', baseUrl, requestAttrs) + body, {
        xmlns: OAI_NS,
        'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        'xsi:schemaLocation': `${OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd`,
      });
    res.status(200).type(XML_CONTENT_TYPE).send(xml);
  };

  router.get('/', (req: Request, res: Response) => handle(req, res, req.query as Record<string, unknown>));
  router.post('/', form, (req: Request, res: Response) => {
    if (!req.is('application/x-www-form-urlencoded'))
      return handle(
        req,
        res,
        {},
        new OaiError('badArgument', 'a POST request must be application/x-www-form-urlencoded'),
      );
    if (Object.keys(req.query as object).length > 0)
      return handle(
        req,
        res,
        {},
        new OaiError('badArgument', 'a POST request carries its arguments in the body, not in the URL'),
      );
    handle(req, res, (req.body ?? {}) as Record<string, unknown>);
  });
  router.all('/', (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Allow', 'GET, HEAD, POST');
    next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /oai; allowed: GET, HEAD, POST`));
  });

  return router;

  // ---- arguments ----------------------------------------------------------------------------------

  function checkArguments(args: Readonly<Record<string, unknown>>): { verb: Verb; values: Record<string, string> } {
    const rawVerb = args.verb;
    if (rawVerb === undefined) throw new OaiError('badVerb', 'the verb argument is missing');
    if (Array.isArray(rawVerb)) throw new OaiError('badVerb', 'the verb argument is repeated');
    if (typeof rawVerb !== 'string' || !Object.hasOwn(VERBS, rawVerb)) {
      throw new OaiError(
        'badVerb',
        `"${String(rawVerb).slice(0, 64)}" is not an OAI-PMH verb (${Object.keys(VERBS).join(', ')})`,
      );
    }
    const verb = rawVerb as Verb;
    const spec = VERBS[verb];
    const allowed = new Set([...spec.required, ...spec.optional, ...(spec.exclusive ? [spec.exclusive] : [])]);
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(args)) {
      if (name === 'verb') continue;
      if (!allowed.has(name))
        throw new OaiError('badArgument', `${verb} does not take the argument "${name.slice(0, 64)}"`);
      if (Array.isArray(value)) throw new OaiError('badArgument', `the argument ${name} is repeated`);
      if (typeof value !== 'string' || value === '')
        throw new OaiError('badArgument', `the argument ${name} has no value`);
      values[name] = value;
    }
    if (spec.exclusive && values[spec.exclusive] !== undefined) {
      const others = Object.keys(values).filter((k) => k !== spec.exclusive);
      if (others.length > 0)
        throw new OaiError(
          'badArgument',
          `${spec.exclusive} is an exclusive argument: it cannot be combined with ${others.join(', ')}`,
        );
      return { verb, values };
    }
    for (const name of spec.required)
      if (values[name] === undefined) throw new OaiError('badArgument', `${verb} requires the argument ${name}`);
    if (values.from !== undefined || values.until !== undefined) {
      const from = values.from !== undefined ? parseOaiDate(values.from) : undefined;
      const until = values.until !== undefined ? parseOaiDate(values.until) : undefined;
      if (values.from !== undefined && !from)
        throw new OaiError(
          'badArgument',
          `from="${values.from.slice(0, 64)}" is not a UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`,
        );
      if (values.until !== undefined && !until)
        throw new OaiError(
          'badArgument',
          `until="${values.until.slice(0, 64)}" is not a UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`,
        );
      if (from && until) {
        if (from.granularity !== until.granularity)
          throw new OaiError('badArgument', 'from and until must have the same granularity');
        if (from.lower > until.upper) throw new OaiError('badArgument', 'from is later than until');
      }
    }
    if (values.set !== undefined && !SET_SPEC.test(values.set))
      throw new OaiError('badArgument', `set="${values.set.slice(0, 64)}" is not a setSpec`);
    return { verb, values };
  }

  // ---- verbs --------------------------------------------------------------------------------------

  function answer(
    verb: Verb,
    a: Readonly<Record<string, string>>,
    formats: readonly MetadataFormat[],
    baseUrl: string,
  ): string {
    switch (verb) {
      case 'Identify':
        return identify(baseUrl);
      case 'ListMetadataFormats':
        return listMetadataFormats(a.identifier, formats);
      case 'ListSets':
        if (a.resumptionToken !== undefined)
          throw new OaiError(
            'badResumptionToken',
            'ListSets is answered in one response; this repository issued no ListSets resumption token',
          );
        return listSets();
      case 'GetRecord':
        return getRecord(a.identifier!, a.metadataPrefix!, formats);
      case 'ListIdentifiers':
      case 'ListRecords':
        return list(verb, a, formats);
    }
  }

  function identify(baseUrl: string): string {
    const earliest = lister.earliest();
    return wrap(
      'Identify',
      element('repositoryName', repositoryName) +
        element('baseURL', baseUrl) +
        element('protocolVersion', '2.0') +
        element('adminEmail', adminEmail) +
        element('earliestDatestamp', datestamp(earliest ?? now().toISOString())) +
        element('deletedRecord', 'persistent') +
        element('granularity', 'YYYY-MM-DDThh:mm:ssZ'),
    );
  }

  function resourceOf(identifier: string): ResourceView {
    const id = identifier.startsWith(prefix) ? identifier.slice(prefix.length) : undefined;
    const resource = id ? deps.index.getResource(id) : undefined;
    if (!resource)
      throw new OaiError(
        'idDoesNotExist',
        `no item ${identifier.slice(0, 200)} in this repository (identifiers look like ${prefix}<resource id>)`,
      );
    return resource;
  }

  function formatOf(metadataPrefix: string, formats: readonly MetadataFormat[]): MetadataFormat {
    const f = formats.find((x) => x.prefix === metadataPrefix);
    if (!f)
      throw new OaiError(
        'cannotDisseminateFormat',
        `metadataPrefix ${metadataPrefix.slice(0, 64)} is not supported (supported: ${formats.map((x) => x.prefix).join(', ')})`,
      );
    return f;
  }

  function listMetadataFormats(identifier: string | undefined, formats: readonly MetadataFormat[]): string {
    // every item, deleted ones included, is available in every format, so noMetadataFormats never arises
    if (identifier !== undefined) resourceOf(identifier);
    return wrap(
      'ListMetadataFormats',
      formats
        .map((f) =>
          wrap(
            'metadataFormat',
            element('metadataPrefix', f.prefix) +
              element('schema', f.schema) +
              element('metadataNamespace', f.namespace),
          ),
        )
        .join(''),
    );
  }

  function listSets(): string {
    const leaves = new Set<string>();
    for (const r of lister.all()) for (const s of setSpecsOf(facetsOf(r))) leaves.add(s);
    const specs = withAncestors(['owner', 'class', 'theme', ...leaves]);
    return wrap(
      'ListSets',
      specs.map((s) => wrap('set', element('setSpec', s) + element('setName', setName(s)))).join(''),
    );
  }

  function header(r: ResourceView): string {
    const specs = setSpecsOf(facetsOf(r));
    return wrap(
      'header',
      element('identifier', prefix + r.id) +
        element('datestamp', datestamp(r.changed.committed)) +
        specs.map((s) => element('setSpec', s)).join(''),
      r.status === 'withdrawn' ? { status: 'deleted' } : {},
    );
  }

  function record(r: ResourceView, format: MetadataFormat): string {
    // a withdrawn resource is a deleted record: its header stays, its metadata is gone
    return wrap('record', header(r) + (r.status === 'withdrawn' ? '' : wrap('metadata', format.render(r))));
  }

  function getRecord(identifier: string, metadataPrefix: string, formats: readonly MetadataFormat[]): string {
    const format = formatOf(metadataPrefix, formats);
    return wrap('GetRecord', record(resourceOf(identifier), format));
  }

  function list(
    verb: 'ListIdentifiers' | 'ListRecords',
    a: Readonly<Record<string, string>>,
    formats: readonly MetadataFormat[],
  ): string {
    let state: ListState;
    let after: Position;
    if (a.resumptionToken !== undefined) {
      const decoded = tokens.decode(a.resumptionToken);
      if ('reason' in decoded) throw new OaiError('badResumptionToken', decoded.reason);
      if (decoded.state.verb !== verb)
        throw new OaiError(
          'badResumptionToken',
          `the resumption token was issued for ${decoded.state.verb}, not ${verb}`,
        );
      state = decoded.state;
      after = { blockNumber: state.blockNumber, txIndex: state.txIndex };
    } else {
      state = {
        verb,
        metadataPrefix: a.metadataPrefix!,
        ...(a.set !== undefined ? { set: a.set } : {}),
        ...(a.from !== undefined ? { from: a.from } : {}),
        ...(a.until !== undefined ? { until: a.until } : {}),
        blockNumber: ORIGIN.blockNumber,
        txIndex: ORIGIN.txIndex,
        cursor: 0,
      };
      after = ORIGIN;
    }
    const format = formatOf(state.metadataPrefix, formats);
    const selection: Selection = {
      ...(state.set !== undefined ? { set: state.set } : {}),
      ...(state.from !== undefined ? { from: parseOaiDate(state.from)!.lower } : {}),
      ...(state.until !== undefined ? { until: parseOaiDate(state.until)!.upper } : {}),
    };
    const page = lister.page(after, selection, pageSize);
    // A page is only promised (by a token) once an item beyond it was seen, and items only move later in
    // the chain, so a resumed page is empty only if its items changed past `until` meanwhile.
    if (page.items.length === 0)
      throw new OaiError('noRecordsMatch', 'no items match the request (its set, from and until)');
    let completeListSize = state.completeListSize;
    if (state.cursor === 0)
      completeListSize = page.complete ? page.items.length : lister.count(selection, maxCountScan);
    const cursorAfter = state.cursor + page.items.length;
    if (completeListSize !== undefined && completeListSize < cursorAfter) completeListSize = cursorAfter;
    const items = page.items.map((r) => (verb === 'ListRecords' ? record(r, format) : header(r))).join('');
    let token = '';
    if (!page.complete) {
      token = element(
        'resumptionToken',
        tokens.encode({
          ...state,
          blockNumber: page.next.blockNumber,
          txIndex: page.next.txIndex,
          cursor: cursorAfter,
          ...(completeListSize !== undefined ? { completeListSize } : {}),
        }),
        { completeListSize, cursor: state.cursor },
      );
    } else if (a.resumptionToken !== undefined) {
      // the last page of a list that was resumed ends with an empty token (protocol section 3.5)
      token = element('resumptionToken', undefined, {
        completeListSize: completeListSize ?? cursorAfter,
        cursor: state.cursor,
      });
    }
    return wrap(verb, items + token);
  }
}
