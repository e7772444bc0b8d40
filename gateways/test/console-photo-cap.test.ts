/**
 * Each store's dish photos in Redis are capped, by count and by bytes: past either, an upload is
 * 409 `image_limit_reached` (with what the store holds), the same photo again takes no second
 * place, another store has its own cap, and taking a photo off frees its place; its bytes go only
 * when no store holds it any more (photos are named by content, so stores may share one).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, staff, startStack, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';

let s: Stack;
const MAX_BYTES = 65_536;

beforeAll(async () => {
  s = await startStack({ GATEWAY_STORE_IMAGES_MAX: '2', GATEWAY_STORE_IMAGES_MAX_BYTES: String(MAX_BYTES) });
});
afterAll(() => s?.close());

/** A small photo of one colour (a WebP of a few hundred bytes). */
const plain = (background: string): Promise<Buffer> =>
  sharp({ create: { width: 64, height: 64, channels: 3, background } })
    .png()
    .toBuffer();

/** Noise does not compress: its WebP is larger than the whole byte cap. */
const noise = (): Promise<Buffer> =>
  sharp(randomBytes(600 * 600 * 3), { raw: { width: 600, height: 600, channels: 3 } })
    .png()
    .toBuffer();

type Uploaded = { url: string; bytes: number } & ErrorAnswer & { details?: Record<string, number> };

const upload = (store: string, png: Buffer) =>
  call<Uploaded>(s.url, 'POST', `/v1/staff/stores/${store}/images`, {
    token: staff(s, 'manager', store),
    raw: png,
    headers: { 'content-type': 'image/png' },
  });
const remove = (store: string, url: string) =>
  call<ErrorAnswer>(s.url, 'DELETE', `/v1/staff/stores/${store}/images/${url.split('/').pop()!}`, {
    token: staff(s, 'manager', store),
  });

describe("a store's photos", () => {
  it('are capped by bytes and by count, per store; a repeat takes no second place', async () => {
    const a = await upload('001', await plain('#c33'));
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const big = await upload('001', await noise());
    expect([big.status, big.body.code]).toEqual([409, 'image_limit_reached']);
    expect(big.body.details).toMatchObject({ count: 1, bytes: a.body.bytes, max: 2, maxBytes: MAX_BYTES });

    expect((await upload('001', await plain('#3c3'))).status).toBe(201);
    expect((await upload('001', await plain('#c33'))).status).toBe(201); // the same photo again
    const third = await upload('001', await plain('#33c'));
    expect([third.status, third.body.code]).toEqual([409, 'image_limit_reached']);
    expect(third.body.details).toMatchObject({ count: 2, max: 2 });
    expect((await upload('002', await plain('#33c'))).status).toBe(201); // another store's own cap
  });

  it('taking one off frees its place; the bytes go when no store holds them', async () => {
    const red = await upload('001', await plain('#c33'));
    expect((await remove('001', red.body.url)).status).toBe(204);
    expect((await fetch(red.body.url)).status).toBe(404);
    expect((await remove('001', red.body.url)).body.code).toBe('not_found');

    const blue = await upload('001', await plain('#33c')); // held by store 002 too
    expect(blue.status, JSON.stringify(blue.body)).toBe(201);
    expect((await remove('002', blue.body.url)).status).toBe(204);
    expect((await fetch(blue.body.url)).status).toBe(200);
    expect((await remove('001', blue.body.url)).status).toBe(204);
    expect((await fetch(blue.body.url)).status).toBe(404);
  });
});
