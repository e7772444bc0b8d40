// A piscina worker: one uploaded dish photo (PNG, JPEG or WebP) to a WebP of at most
// `maxSide` pixels a side, turned upright by its EXIF orientation, metadata dropped.
// Plain JavaScript so that the same file runs under tsx and from dist/.
import sharp from 'sharp';

// One libvips thread per worker: the pool is the parallelism.
sharp.concurrency(1);

const FORMATS = new Set(['jpeg', 'png', 'webp']);

export default async function toWebp({ input, maxSide, quality }) {
  const image = sharp(Buffer.from(input), { limitInputPixels: 50_000_000, failOn: 'error' });
  let meta;
  try {
    meta = await image.metadata();
  } catch {
    return { error: 'not an image this gateway can read' };
  }
  if (!FORMATS.has(meta.format))
    return { error: `${meta.format ?? 'unknown'} images are not taken: PNG, JPEG or WebP` };
  const { data, info } = await image
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
