import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/errors.js';
import type { LongLike } from './stub.js';

/**
 * Loads a compiled contract package and fabric-shim's own contract dispatch (the code a chaincode server
 * runs), so a transaction is routed, its arguments marshalled and its errors formatted exactly as on a
 * peer. Deep imports into fabric-shim 2.5.8 (pinned by chaincode/package.json).
 */
export interface ChaincodeResponse {
  readonly status: number;
  readonly message?: string;
  readonly payload?: Uint8Array;
}

export interface LoadedChaincode {
  readonly dir: string;
  /**
   * Runs the transaction the stub describes. `creator`: the MSP id and certificate text the stub's
   * getCreator() encodes, when the caller has them as text (the ClientIdentity built for them is reused
   * without decoding the certificate again).
   */
  invoke(stub: object, creator?: Readonly<{ mspId: string; certPem: string }>): Promise<ChaincodeResponse>;
  makeLong(n: number): LongLike;
}

interface ChaincodeFromContractCtor {
  new (
    contracts: unknown[],
    serializers: unknown,
    metadata: unknown,
    title: string,
    version: string,
  ): { Invoke(stub: unknown): Promise<ChaincodeResponse> };
}

/** The repository's chaincode/ folder, found by walking up from this file (works from sources and from dist). */
export function defaultChaincodeDir(): string {
  const fromEnv = process.env.SHULIAN_CHAINCODE_DIR;
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'chaincode');
    if (existsSync(join(candidate, 'package.json')) && existsSync(join(candidate, 'node_modules', 'fabric-shim')))
      return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('cannot find the chaincode/ folder; set SHULIAN_CHAINCODE_DIR');
    dir = parent;
  }
}

const cache = new Map<string, LoadedChaincode>();

/** The creator of each stub being invoked, as text, when the caller gave it (see LoadedChaincode.invoke). */
const stubCreators = new WeakMap<object, Readonly<{ mspId: string; certPem: string }>>();

/**
 * `dir` holds a package whose main module exports `contracts` (chaincode/: dist/index.js). fabric-shim and
 * fabric-contract-api are resolved from `dir`, falling back to the repository's chaincode/ (so a test
 * fixture can live elsewhere and still share the one fabric-contract-api instance).
 */
export function loadChaincode(dir: string): LoadedChaincode {
  const key = resolve(dir);
  const cached = cache.get(key);
  if (cached) return cached;
  const req = createRequire(join(key, 'package.json'));
  const paths = [key];
  try {
    paths.push(defaultChaincodeDir());
  } catch {
    // only `dir` then
  }
  const resolveFrom = (id: string): string => {
    try {
      return req.resolve(id, { paths });
    } catch (cause) {
      throw new ConfigError(
        `chaincode dir ${key}: cannot resolve ${id} (install the chaincode's dependencies: npm ci --prefix chaincode)`,
        { cause },
      );
    }
  };
  quietChaincodeLogs(req, resolveFrom);
  memoizeCertificateParsing(resolveFrom);
  if (!process.env.SHULIAN_CHAINCODE_LOG) {
    skipParameterDebugText(req, resolveFrom);
    skipInvokeDebugText(req, resolveFrom);
  }
  let main: { contracts?: unknown };
  try {
    main = req(key) as { contracts?: unknown };
  } catch (cause) {
    throw new ConfigError(
      `chaincode dir ${key}: cannot load the contract package (build it: npm run build:chaincode)`,
      { cause },
    );
  }
  if (!Array.isArray(main.contracts) || main.contracts.length === 0) {
    throw new ConfigError(`chaincode dir ${key}: the package does not export a non-empty \`contracts\` array`);
  }
  const ChaincodeFromContract = req(
    resolveFrom('fabric-shim/lib/contract-spi/chaincodefromcontract.js'),
  ) as ChaincodeFromContractCtor;
  const JSONSerializer = req(resolveFrom('fabric-contract-api/lib/jsontransactionserializer.js')) as unknown;
  const Long = req(resolveFrom('long')) as { fromNumber(n: number, unsigned?: boolean): LongLike };
  // the constructor appends the system contract to the array it is given: hand it a copy
  const cc = new ChaincodeFromContract(
    [...(main.contracts as unknown[])],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    'shulian',
    '0.1.0',
  );
  const loaded: LoadedChaincode = {
    dir: key,
    invoke: (stub, creator) => {
      if (creator) stubCreators.set(stub, creator);
      return cc.Invoke(stub);
    },
    makeLong: (n) => Long.fromNumber(n, true),
  };
  cache.set(key, loaded);
  return loaded;
}

/**
 * fabric-shim and fabric-contract-api log through winston to stdout: every decorator at info on load and
 * every failed transaction at error. Those failures reach the caller as errors anyway, so the console
 * transports are silenced unless SHULIAN_CHAINCODE_LOG is set (to a Fabric level: DEBUG, INFO, ERROR...).
 */
function quietChaincodeLogs(req: NodeJS.Require, resolveFrom: (id: string) => string): void {
  const level = process.env.SHULIAN_CHAINCODE_LOG;
  if (level) process.env.CORE_CHAINCODE_LOGGING_LEVEL = level;
  for (const id of ['fabric-shim/lib/logger.js', 'fabric-contract-api/lib/logger.js']) {
    type WinstonLogger = { silent?: boolean; levels?: Record<string, number> } & Record<string, unknown>;
    const module = req(resolveFrom(id)) as { getLogger(name?: string): WinstonLogger; __shulianQuiet?: boolean };
    if (module.__shulianQuiet) continue;
    // a silent winston logger still builds an info object and pushes it through its stream for each of
    // the dozen debug lines fabric-shim writes per transaction: silenced, the level methods do nothing
    const original = module.getLogger.bind(module);
    module.getLogger = (name?: string) => {
      const logger = original(name);
      logger.silent = !level;
      if (!level) {
        const nothing = () => logger;
        for (const method of Object.keys(logger.levels ?? {})) logger[method] = nothing;
      }
      return logger;
    };
    module.__shulianQuiet = true;
  }
}

/**
 * fabric-shim parses the creator's certificate (@fidm/x509, pure JS) for every transaction to build
 * the ClientIdentity. The parse is a pure function of the PEM, so the last few results are reused;
 * the certificate object is only read.
 */
function memoizeCertificateParsing(resolveFrom: (id: string) => string): void {
  const shimRequire = createRequire(resolveFrom('fabric-shim/lib/chaincode.js'));
  const { Certificate } = shimRequire('@fidm/x509') as {
    Certificate: { fromPEM(data: string | Buffer): unknown; __shulianMemo?: boolean };
  };
  if (Certificate.__shulianMemo) return;
  const original = Certificate.fromPEM.bind(Certificate);
  const memo = new Map<string, unknown>();
  Certificate.fromPEM = (data: string | Buffer) => {
    const key = typeof data === 'string' ? data : data.toString('utf8');
    let cert = memo.get(key);
    if (cert === undefined) {
      cert = original(data);
      if (memo.size >= 256) memo.clear();
      memo.set(key, cert);
    }
    return cert;
  };
  Certificate.__shulianMemo = true;
}

interface DataMarshall {
  ajv: { compile(schema: unknown): ((data: unknown) => boolean) & { errors?: { message?: string }[] | null } };
  components: unknown;
  fromWireBuffer(supplied: unknown, schema: unknown, loggerPrefix: string): { value: unknown; validateData: unknown };
  handleParameters(fn: unknown, parameters: unknown[], loggerPrefix: string): unknown[];
}

/**
 * fabric-shim's DataMarshall.handleParameters builds its debug lines before the logger drops them:
 * `require('util').inspect` of every argument and JSON of its schema, a third of the dispatch's cost per
 * transaction. With the chaincode logs off, this is the same function without those lines: the same
 * schemas compiled by the same ajv, the same conversion, the same errors with the same messages. The
 * validator ajv returns for a parameter is kept with the parameter's metadata: ajv 6 finds it in its own
 * cache only after serialising the whole schema (the contract's components included) for every call.
 */
function skipParameterDebugText(req: NodeJS.Require, resolveFrom: (id: string) => string): void {
  const DataMarshall = req(resolveFrom('fabric-shim/lib/contract-spi/datamarshall.js')) as {
    prototype: DataMarshall & { __shulianQuiet?: boolean };
  };
  if (DataMarshall.prototype.__shulianQuiet) return;
  type Validator = ReturnType<DataMarshall['ajv']['compile']>;
  // per marshall (its ajv and components), per parameter metadata object (static after the contract loads)
  const validators = new WeakMap<DataMarshall, WeakMap<object, Validator>>();
  DataMarshall.prototype.handleParameters = function handleParameters(
    this: DataMarshall,
    fn: { parameters?: { schema: { type?: unknown; $ref?: unknown } }[] },
    parameters: { toString(): string }[],
    loggerPrefix: string,
  ): unknown[] {
    const expectedParams = fn.parameters;
    if (!expectedParams) return parameters.length > 0 ? parameters.map((e) => e.toString()) : [];
    if (expectedParams.length !== parameters.length) {
      throw new Error(`Expected ${expectedParams.length} parameters, but ${parameters.length} have been supplied`);
    }
    const returnParams: unknown[] = [];
    for (let i = 0; i < expectedParams.length; i++) {
      const supplied = parameters[i];
      const expected = expectedParams[i] as { schema: { type?: unknown; $ref?: unknown } };
      const schema = { properties: { prop: expected.schema }, components: { schemas: this.components } };
      if (!expected.schema.type && !expected.schema.$ref) {
        throw new Error(`Incorrect type information ${JSON.stringify(expected.schema)}`);
      }
      let mine = validators.get(this);
      if (mine === undefined) validators.set(this, (mine = new WeakMap()));
      let validator = mine.get(expected);
      if (validator === undefined) mine.set(expected, (validator = this.ajv.compile(schema)));
      const { value, validateData } = this.fromWireBuffer(supplied, schema, loggerPrefix);
      if (!validator({ prop: validateData })) {
        const errors = JSON.stringify((validator.errors ?? []).map((err) => err.message));
        throw new Error(`Unable to validate parameter due to ${errors}`);
      }
      returnParams.push(value);
    }
    return returnParams;
  } as DataMarshall['handleParameters'];
  DataMarshall.prototype.__shulianQuiet = true;
}

interface ShimContext {
  setChaincodeStub(stub: unknown): void;
  setClientIdentity(identity: unknown): void;
  logging?: unknown;
}

interface ContractInstance {
  createContext(): ShimContext;
  beforeTransaction(ctx: ShimContext): Promise<void>;
  aroundTransaction(ctx: ShimContext, fn: string, parameters: unknown[]): Promise<unknown>;
  afterTransaction(ctx: ShimContext, result: unknown): Promise<void>;
  unknownTransaction(ctx: ShimContext): Promise<void>;
}

interface InvokeStub {
  getBufferArgs(): Buffer[];
  getTxID(): string;
  getChannelID(): string;
  getCreator(): { mspid: string; idBytes: Uint8Array };
}

interface ChaincodeFromContractProto {
  contractImplementations: Record<
    string,
    {
      contractInstance: ContractInstance;
      dataMarshall: DataMarshall & {
        toWireBuffer(result: unknown, schema: unknown, loggerPrefix: string): unknown;
      };
    }
  >;
  metadata: { contracts: Record<string, { transactions: { name: string; returns?: { schema?: unknown } }[] }> };
  _splitFunctionName(fcn: string): { contractName: string; function: string };
  invokeFunctionality(stub: InvokeStub): Promise<unknown>;
  __shulianQuiet?: boolean;
}

/**
 * fabric-shim's ChaincodeFromContract.invokeFunctionality serialises the transaction's metadata and its
 * result to JSON for two debug lines the logger then drops, and builds a ClientIdentity from the creator's
 * certificate for every transaction (PEM normalisation, distinguished names, the attributes' JSON). With
 * the chaincode logs off, this is the same function without those lines, and the identity is built once
 * per creator (MSP id and certificate): each transaction gets an object whose prototype is that identity
 * (`instanceof ClientIdentity`, the same id, MSP id, certificate bytes and attributes) with its own `stub`.
 */
function skipInvokeDebugText(req: NodeJS.Require, resolveFrom: (id: string) => string): void {
  const ChaincodeFromContract = req(resolveFrom('fabric-shim/lib/contract-spi/chaincodefromcontract.js')) as {
    prototype: ChaincodeFromContractProto;
  };
  if (ChaincodeFromContract.prototype.__shulianQuiet) return;
  const shim = req(resolveFrom('fabric-shim/lib/chaincode.js')) as {
    success(payload?: unknown): unknown;
    error(message: string): unknown;
    ClientIdentity: new (stub: unknown) => object;
  };
  const utils = req(resolveFrom('fabric-shim/lib/utils/utils.js')) as {
    generateLoggingPrefix(channel: string, txId: string): string;
  };
  const Logger = req(resolveFrom('fabric-shim/lib/logger.js')) as {
    getLogger(name?: string): { error(message: string): void };
    setLevel: unknown;
  };
  const logger = Logger.getLogger('contracts-spi/chaincodefromcontract.js');
  // by MSP id, then certificate text (a string the runtime reuses, whose hash V8 keeps)
  const identities = new Map<string, Map<string, object>>();
  const clientIdentity = (stub: InvokeStub): object => {
    let known = stubCreators.get(stub);
    if (known === undefined) {
      const creator = stub.getCreator();
      known = { mspId: creator.mspid, certPem: Buffer.from(creator.idBytes).toString('utf8') };
    }
    let byCert = identities.get(known.mspId);
    let identity = byCert?.get(known.certPem);
    if (identity === undefined) {
      identity = new shim.ClientIdentity(stub);
      if (identities.size >= 64) identities.clear();
      if (byCert === undefined || !identities.has(known.mspId)) identities.set(known.mspId, (byCert = new Map()));
      if (byCert.size >= 256) byCert.clear();
      byCert.set(known.certPem, identity);
    }
    const own = Object.create(identity) as { stub: unknown };
    own.stub = stub;
    return own;
  };
  ChaincodeFromContract.prototype.invokeFunctionality = async function invokeFunctionality(
    this: ChaincodeFromContractProto,
    stub: InvokeStub,
  ): Promise<unknown> {
    const bufferArgs = stub.getBufferArgs();
    if (!bufferArgs || bufferArgs.length < 1) return shim.success(Buffer.from('Default initiator successful.'));
    const fAndP = (bufferArgs[0] as Buffer).toString();
    const txArgs = bufferArgs.slice(1);
    const loggerPrefix = utils.generateLoggingPrefix(stub.getChannelID(), stub.getTxID());
    try {
      const { contractName: cn, function: fn } = this._splitFunctionName(fAndP);
      const contractData = this.contractImplementations[cn];
      if (!contractData) throw new Error(`Contract name is not known: ${cn}`);
      const transactionDescriptor = this.metadata.contracts[
        cn
      ] as ChaincodeFromContractProto['metadata']['contracts'][string];
      const { contractInstance, dataMarshall } = contractData;
      const ctx = contractInstance.createContext();
      ctx.setChaincodeStub(stub);
      ctx.setClientIdentity(clientIdentity(stub));
      ctx.logging = {
        setLevel: Logger.setLevel,
        getLogger: (name?: string) => Logger.getLogger(name ? `${cn}:${name}` : cn),
      };
      const functionExists = transactionDescriptor.transactions.find((t) => t.name === fn);
      if (functionExists) {
        const parameters = dataMarshall.handleParameters(functionExists, txArgs, loggerPrefix);
        await contractInstance.beforeTransaction(ctx);
        const result = await contractInstance.aroundTransaction(ctx, fn, parameters);
        await contractInstance.afterTransaction(ctx, result);
        const returnSchema = functionExists.returns ?? {};
        return shim.success(dataMarshall.toWireBuffer(result, returnSchema.schema, loggerPrefix));
      }
      try {
        await contractInstance.unknownTransaction(ctx);
        return shim.success();
      } catch (error) {
        return shim.error((error as Error).message);
      }
    } catch (error) {
      logger.error(`${loggerPrefix} ${String(error)}`);
      return shim.error((error as Error).message);
    }
  };
  ChaincodeFromContract.prototype.__shulianQuiet = true;
}
