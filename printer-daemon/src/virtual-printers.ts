/**
 * One virtual printer per kitchen station (plus a `pass` printer that backs up
 * every station), and the store's printer configuration written to the
 * `<ns>_printers` bucket so a daemon prints to them at once.
 *
 *   node --import tsx printer-daemon/src/virtual-printers.ts [--stores 001,002] [--stations wok,cold]
 *        [--base-port 9101] [--control-base-port 9201] [--width 80] [--mm-per-s 200]
 *        [--out .data/virtual-printers] [--no-config]
 *
 * Stations default to those of the chain's demo menu. Ports count up from the
 * base per printer (0 = any free port). Every job is written to
 * `<out>/<store>-<printer>/<n>.txt` and `.png` unless `--out ''`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chainTemplate } from '@lunchrush/actors/demo';
import { stopOnSignals } from '@lunchrush/engine/process';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_NAMESPACE, DEFAULT_NATS_URL, namesOf } from './config.js';
import { ensureError } from './errors.js';
import { hasFont } from './png.js';
import { parseStoreConfig, storeConfigKey, type StoreConfigInput } from './store-config.js';
import { VirtualPrinter } from './virtual-printer.js';

const BACKUP_PRINTER = 'pass';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stores: { type: 'string', default: '001' },
      stations: { type: 'string', default: '' },
      'base-port': { type: 'string', default: '9101' },
      'control-base-port': { type: 'string', default: '9201' },
      width: { type: 'string', default: '80' },
      'mm-per-s': { type: 'string', default: '' },
      out: { type: 'string', default: path.join('.data', 'virtual-printers') },
      'no-config': { type: 'boolean', default: false },
    },
  });
  const stores = values.stores.split(',').filter((s) => s !== '');
  const stations =
    values.stations !== ''
      ? values.stations.split(',').filter((s) => s !== '')
      : [...new Set(chainTemplate().spus.map((s) => s.station))];
  const width = Number(values.width) === 58 ? 58 : 80;
  const basePort = Number(values['base-port']);
  const controlBase = Number(values['control-base-port']);
  const mmPerSecond = values['mm-per-s'] === '' ? undefined : Number(values['mm-per-s']);
  const printerIds = [...stations, BACKUP_PRINTER];

  const printers: VirtualPrinter[] = [];
  let i = 0;
  for (const store of stores) {
    const config: StoreConfigInput = { store, printers: {}, stations: {} };
    for (const id of printerIds) {
      const vp = await VirtualPrinter.start({
        name: `${store}-${id}`,
        port: basePort === 0 ? 0 : basePort + i,
        controlPort: controlBase === 0 ? 0 : controlBase + i,
        widthMm: width,
        ...(mmPerSecond === undefined ? {} : { mmPerSecond }),
      });
      i++;
      printers.push(vp);
      config.printers[id] = { host: '127.0.0.1', port: vp.port, widthMm: width, name: `${id} (virtual)` };
      if (id !== BACKUP_PRINTER) config.stations![id] = { printer: id, backup: BACKUP_PRINTER, label: id };
      if (values.out !== '') {
        const dir = path.join(values.out, `${store}-${id}`);
        fs.mkdirSync(dir, { recursive: true });
        vp.on('job', (job: import('./escpos-parser.js').PrintedJob) => {
          fs.writeFileSync(path.join(dir, `${job.n}.txt`), job.text + '\n');
          fs.writeFileSync(path.join(dir, `${job.n}.png`), vp.png(job));
        });
      }
      console.log(
        `virtual printer ${store}/${id}: tcp 127.0.0.1:${vp.port}, control http://127.0.0.1:${vp.controlPort}/`,
      );
    }
    if (!values['no-config']) {
      const ns = process.env.PRINTER_NAMESPACE ?? DEFAULT_NAMESPACE;
      const nc = await connect({ servers: (process.env.NATS_URL ?? DEFAULT_NATS_URL).split(',') });
      const kv = await new Kvm(jetstream(nc)).create(namesOf(ns).configBucket, { history: 5 });
      await kv.put(storeConfigKey(store), JSON.stringify(parseStoreConfig(config)));
      await nc.close();
      console.log(
        `store ${store}: printer configuration written to ${namesOf(ns).configBucket} ${storeConfigKey(store)}`,
      );
    }
  }
  if (!hasFont()) console.log('no Unifont found (Debian package `unifont`): PNGs show boxes for characters');
  console.log(`VIRTUAL PRINTERS READY ${printers.length}`);

  stopOnSignals(async () => {
    await Promise.all(printers.map((p) => p.stop()));
  });
}

main().catch((e: unknown) => {
  console.error(ensureError(e));
  process.exit(1);
});
