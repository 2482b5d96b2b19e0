import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';

/**
 * The bytes of a dag-pb UnixFS `file` leaf (what Kubo's legacy profile stores for each chunk) as three
 * consecutive pieces: a header, the chunk itself and a trailer. The block is exactly
 * `dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })`, but the chunk is
 * not copied twice into fresh 256 KiB buffers on the way: the writer copies the pieces straight into its
 * slot and hashes them there. For a 1 GiB put that is 8,192 large allocations (and the garbage collections
 * they set off) less on the main thread.
 *
 * Wire layout (protobuf, fields in number order, as dag-pb and ipfs-unixfs write them):
 *   PBNode.Data (1, bytes) = UnixFS { Type (1) = File (2), Data (2, bytes) = chunk, filesize (3) = n }
 */
export function fileLeafPieces(chunk: Uint8Array): readonly Uint8Array[] {
  const n = chunk.byteLength;
  // An empty chunk has no Data field: leave that rare case to the encoders themselves.
  if (n === 0) return [dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })];
  const sizeOfN = varintLength(n);
  const unixfsLength = 2 + (1 + sizeOfN + n) + (1 + sizeOfN);
  const header = new Uint8Array(1 + varintLength(unixfsLength) + 2 + 1 + sizeOfN);
  let at = 0;
  header[at++] = 0x0a; // PBNode field 1 (Data), length-delimited
  at = putVarint(header, at, unixfsLength);
  header[at++] = 0x08; // UnixFS field 1 (Type), varint
  header[at++] = 0x02; // File
  header[at++] = 0x12; // UnixFS field 2 (Data), length-delimited
  putVarint(header, at, n);
  const trailer = new Uint8Array(1 + sizeOfN);
  trailer[0] = 0x18; // UnixFS field 3 (filesize), varint
  putVarint(trailer, 1, n);
  return [header, chunk, trailer];
}

function varintLength(value: number): number {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) length++;
  return length;
}

function putVarint(into: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    into[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  into[at++] = v;
  return at;
}
