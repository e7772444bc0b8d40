/**
 * Dish photos: a manager uploads a PNG, JPEG or WebP; a piscina worker (sharp) makes a
 * WebP of at most `IMAGE_MAX_SIDE` pixels a side, off the event loop. The result is named by
 * its SHA-256 (so a name is its content, for ever) and kept in Redis (off the order path),
 * within the store's cap on photos and their bytes (`image-quota.ts`; 409 `image_limit_reached`
 * past it; `DELETE …/images/{name}` frees a place);
 * `GET /v1/images/{name}` serves it with `Cache-Control: immutable` for a year and an ETag,
 * from a small in-process cache. The menu lists the image's absolute URL (`images` of a dish).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { Piscina } from 'piscina';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
import { StoreParams } from '../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';
import { StoreImages } from './image-quota.js';
import { ImageAnswer, ImageBytesAnswer, ImageParams, StoreImageParams } from './schemas.js';

export const IMAGE_MAX_SIDE = 800;
export const IMAGE_QUALITY = 78;
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Images kept in each process (about 50–150 KB each). */
const CACHE_ENTRIES = 256;
const IMMUTABLE = 'public, max-age=31536000, immutable';

let pool: Piscina | undefined;
const workers = (): Piscina =>
  (pool ??= new Piscina({
    filename: new URL('./image-worker.mjs', import.meta.url).href,
    maxThreads: Math.max(1, Math.min(2, availableParallelism() - 1)),
    idleTimeout: 30_000,
  }));

export async function closeImagePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}

type Converted = { data: Uint8Array; width: number; height: number } | { error: string };

export function imageRoutes(deps: GatewayDeps): Route[] {
  const images = new StoreImages(deps.redis, deps.prefix, deps.cfg.storeImages);
  const cache = new Map<string, Buffer>();
  const remember = (name: string, bytes: Buffer): void => {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(name, bytes);
  };
  const upload = route({
    method: 'post',
    path: `${base}/images`,
    response: ImageAnswer,
    responseStatus: 201,
    tag: 'console',
    summary: 'Upload a dish photo (PNG, JPEG or WebP): stored as WebP, at most 800 px a side',
    auth: 'staff',
    roles: MAY.setup,
    params: StoreParams,
    bodyTypes: ['image/png', 'image/jpeg', 'image/webp'],
    maxBodyBytes: MAX_UPLOAD_BYTES,
    errors: [
      ...STAFF_ERRORS,
      ...BODY_ERRORS,
      ErrorCode.ImageInvalid,
      ErrorCode.ImageLimitReached,
      ErrorCode.Unavailable,
    ],
    async handle(req, { params }: { params: z.output<typeof StoreParams> }) {
      const out = (await workers().run({
        input: req.body,
        maxSide: IMAGE_MAX_SIDE,
        quality: IMAGE_QUALITY,
      })) as Converted;
      if ('error' in out) throw new HttpError(ErrorCode.ImageInvalid, out.error);
      const bytes = Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength);
      const name = `${createHash('sha256').update(bytes).digest('base64url')}.webp`;
      const held = await images.store(params.store, name, bytes);
      if (!held.ok) throw limitReached(images, held.count, held.bytes);
      remember(name, bytes);
      return {
        status: 201,
        body: {
          url: `${deps.publicUrl()}/v1/images/${name}`,
          bytes: bytes.length,
          width: out.width,
          height: out.height,
        },
      };
    },
  });
  const serve = route({
    method: 'get',
    path: '/v1/images/{name}',
    tag: 'console',
    summary: 'A dish photo (WebP), cached for a year: its name is its content',
    auth: 'none',
    params: ImageParams,
    response: ImageBytesAnswer,
    errors: [ErrorCode.ValidationFailed, ErrorCode.RateLimited, ErrorCode.Unavailable],
    async handle(req, { params }: { params: z.output<typeof ImageParams> }) {
      const etag = `"${params.name.slice(0, 43)}"`;
      const headers = { 'cache-control': IMMUTABLE, etag };
      if (req.headers['if-none-match'] === etag) return { status: 304, headers };
      let bytes = cache.get(params.name);
      if (bytes === undefined) {
        const stored = await deps.redis.getBuffer(images.imageKey(params.name));
        if (stored === null) throw new HttpError(ErrorCode.NotFound, 'no such image');
        bytes = stored;
        remember(params.name, bytes);
      }
      return { body: bytes, contentType: 'image/webp', headers };
    },
  });
  const remove = route({
    method: 'del',
    path: `${base}/images/{name}`,
    responseStatus: 204,
    tag: 'console',
    summary: "Take a dish photo off the store's photos (its place under the cap is free again)",
    description:
      'The bytes go once no store holds the photo (a photo is named by its content, so stores may share one); a menu that still names it shows none.',
    auth: 'staff',
    roles: MAY.setup,
    params: StoreImageParams,
    errors: [...STAFF_ERRORS, ErrorCode.NotFound, ErrorCode.Unavailable],
    async handle(_req, { params }: { params: z.output<typeof StoreImageParams> }) {
      if (!(await images.release(params.store, params.name)))
        throw new HttpError(ErrorCode.NotFound, `store ${params.store} holds no photo ${params.name}`);
      cache.delete(params.name);
      return { status: 204 };
    },
  });
  return [upload, serve, remove];
}

function limitReached(images: StoreImages, count: number, bytes: number): HttpError {
  const { max, maxBytes } = images.limits;
  return new HttpError(
    ErrorCode.ImageLimitReached,
    `the store holds ${count} photos of ${max}, ${bytes} bytes of ${maxBytes}: remove some first`,
    { details: { count, bytes, max, maxBytes } },
  );
}
