import { createHash, createHmac } from 'node:crypto';

/**
 * SolisCloud request signing: Content-MD5 = base64(MD5(body)); the signed string is
 * "POST\n" + md5 + "\n" + contentType + "\n" + date + "\n" + path, HMAC-SHA1 with the key secret, base64;
 * sent as `Authorization: API <keyId>:<signature>` with the same `Date` (RFC 1123, GMT).
 */
export const SOLIS_CONTENT_TYPE = 'application/json';

export const contentMd5 = (body: string) => createHash('md5').update(body, 'utf8').digest('base64');

export function solisSignature(secret: string, md5: string, contentType: string, date: string, path: string): string {
  return createHmac('sha1', secret).update(`POST\n${md5}\n${contentType}\n${date}\n${path}`, 'utf8').digest('base64');
}

export function solisHeaders(keyId: string, secret: string, path: string, body: string, now: Date): Record<string, string> {
  const md5 = contentMd5(body);
  const date = now.toUTCString();
  return {
    'Content-Type': SOLIS_CONTENT_TYPE,
    'Content-MD5': md5,
    Date: date,
    Authorization: `API ${keyId}:${solisSignature(secret, md5, SOLIS_CONTENT_TYPE, date, path)}`,
  };
}
