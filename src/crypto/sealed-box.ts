// Authenticated encryption (AES-256-GCM) of small JSON values under subkeys of the deployment's ENCRYPTION_KEY.
// Used for upstream credentials at rest and for session ids handed to clients.
import { base64ToBytes, bytesToBase64url } from "../core/base64url.ts";

/** Separate subkeys per purpose, so a value sealed for one use can never be opened as another. */
export type SealPurpose = "credentials" | "session";

const IV_BYTES = 12;
const FORMAT_VERSION = "1";

const derivedKeys = new Map<string, Promise<CryptoKey>>();

/** Derives (once per isolate) the AES-GCM key for a purpose from the 32-byte root key with HKDF-SHA-256. */
function subkey(rootKey: Uint8Array, purpose: SealPurpose): Promise<CryptoKey> {
  const cacheKey = `${bytesToBase64url(rootKey)}:${purpose}`;
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", rootKey, "HKDF", false, ["deriveKey"]).then((root) =>
      crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: new TextEncoder().encode(`helmet:${purpose}:v${FORMAT_VERSION}`),
        },
        root,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * Seals `value` as `1.<base64url(iv || ciphertext)>`. `context` (such as the owning record's id) is bound as
 * additional data: the sealed text only opens with the same context.
 */
export async function seal(
  rootKey: Uint8Array,
  purpose: SealPurpose,
  value: unknown,
  context = "",
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await subkey(rootKey, purpose),
    plaintext,
  );
  const out = new Uint8Array(IV_BYTES + ciphertext.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(ciphertext), IV_BYTES);
  return `${FORMAT_VERSION}.${bytesToBase64url(out)}`;
}

/** Opens a sealed value; null when it was tampered with, sealed under another key, purpose or context, or malformed. */
export async function open(
  rootKey: Uint8Array,
  purpose: SealPurpose,
  sealed: string,
  context = "",
): Promise<unknown | null> {
  const [version, body, extra] = sealed.split(".");
  if (version !== FORMAT_VERSION || body === undefined || extra !== undefined) return null;
  const bytes = base64ToBytes(body);
  if (!bytes || bytes.length <= IV_BYTES) return null;
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: new TextEncoder().encode(context) },
      await subkey(rootKey, purpose),
      bytes.subarray(IV_BYTES),
    );
    return JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return null;
  }
}
