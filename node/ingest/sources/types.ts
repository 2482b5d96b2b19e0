/** Metadata of one resource, as validated against node/schemas/resource.schema.json. */
export type ResourceMetadata = Readonly<Record<string, unknown>> & { readonly title: readonly string[] };

/** An indexing record, as validated against node/schemas/indexing-record.schema.json. */
export type IndexingRecord = Readonly<Record<string, unknown>> & {
  readonly id: string;
  readonly resource: string;
  readonly version?: number;
};

/** Where something in a source was found: the file (relative to the source root) and the line if any. */
export interface Origin {
  readonly file: string;
  readonly line?: number;
}

/** One payload file with its metadata. */
export interface ResourceEntry {
  readonly resourceId: string;
  /** Absolute path of the payload, spelled as on disk (it may not be NFC there). */
  readonly path: string;
  /** Path relative to the source root, '/'-separated, Unicode NFC: the name the node knows it by. */
  readonly relPath: string;
  readonly size: number;
  readonly metadata: ResourceMetadata;
  /** Where the metadata came from (the sidecar, or the manifest and its line). */
  readonly origin: Origin;
}

/** Something in the source that cannot be ingested, and why. One failure never stops the others. */
export interface Failure {
  readonly file: string;
  readonly line?: number;
  readonly pointer?: string;
  readonly resourceId?: string;
  readonly code: string;
  readonly reason: string;
}

export type SourceKind = 'directory' | 'manifest' | 'bag' | 'records';

export interface ScanResult {
  readonly kind: SourceKind;
  /** Absolute path of the source as given (directory, manifest file, bag directory or records file). */
  readonly source: string;
  /** Directory payload paths are relative to. */
  readonly root: string;
  readonly resources: readonly ResourceEntry[];
  /** JSON Lines files of indexing records (absolute paths), in a stable order. */
  readonly recordFiles: readonly string[];
  readonly failures: readonly Failure[];
  /**
   * Every payload path the source names (relative, NFC), valid or not: what `--withdraw-missing` counts as
   * still there. A directory or bag: the files in it; a manifest: the files its rows name.
   */
  readonly paths: ReadonlySet<string>;
}
