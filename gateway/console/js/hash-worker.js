// @ts-check
// Hashes a File off the main thread, reading it slice by slice: memory stays flat for any file size.
// Nothing leaves the browser; the worker never fetches.
import { createSha256 } from './sha256.js';
import { createSm3 } from './sm3.js';

const CHUNK = 4 * 1024 * 1024;
/** Up to this size SHA-256 goes through WebCrypto (native, whole buffer); beyond, the incremental one. */
const WEBCRYPTO_MAX = 64 * 1024 * 1024;

self.onmessage = async (/** @type {MessageEvent<{ file: File }>} */ event) => {
  const { file } = event.data;
  try {
    const sm3 = createSm3();
    const useWebCrypto = file.size <= WEBCRYPTO_MAX && !!self.crypto?.subtle;
    const sha = useWebCrypto ? null : createSha256();
    let whole = null;
    if (useWebCrypto) whole = new Uint8Array(await file.arrayBuffer());
    for (let at = 0; at < file.size; at += CHUNK) {
      const part = whole
        ? whole.subarray(at, at + CHUNK)
        : new Uint8Array(await file.slice(at, at + CHUNK).arrayBuffer());
      sm3.update(part);
      sha?.update(part);
      self.postMessage({ progress: Math.min(file.size, at + CHUNK) / file.size });
    }
    const sha256 = whole
      ? Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', whole)), (b) =>
          b.toString(16).padStart(2, '0'),
        ).join('')
      : /** @type {NonNullable<typeof sha>} */ (sha).hex();
    self.postMessage({ done: { sha256, sm3: sm3.hex(), size: file.size, method: useWebCrypto ? 'webcrypto' : 'js' } });
  } catch (err) {
    self.postMessage({ error: String(/** @type {Error} */ (err)?.message ?? err) });
  }
};
