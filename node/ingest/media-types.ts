import { extname } from 'node:path';

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.csv': 'text/csv; charset=utf-8',
  '.epub': 'application/epub+zip',
  '.djvu': 'image/vnd.djvu',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.jp2': 'image/jp2',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
  '.usdz': 'model/vnd.usdz+zip',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
};

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The recorded media type: the first DC `format` that is one, else by file extension, else octet-stream. */
export function mediaTypeFor(relPath: string, format: unknown): string {
  if (Array.isArray(format)) {
    const stated = format.find((value): value is string => typeof value === 'string' && MEDIA_TYPE.test(value.trim()));
    if (stated) return stated.trim();
  }
  return BY_EXTENSION[extname(relPath).toLowerCase()] ?? 'application/octet-stream';
}
