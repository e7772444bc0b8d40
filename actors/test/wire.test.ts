import { describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine/names';
import { outputStreams as fromIndex } from '@lunchrush/actors';
import { kitchenSubject, refundSubject } from '@lunchrush/actors/wire';
import { KITCHEN_OUTPUT, PLATFORM_SYNC_OUTPUT, REFUND_OUTPUT, outputStreams, wire } from '@lunchrush/actors/wire';
import { platformSyncSubject } from '@lunchrush/actors/wire';

describe('the wire contract', () => {
  it("names the output streams and subjects as the engine makes them from the actors' OutputStreams", () => {
    const w = wire('lr');
    expect(w.kitchenStream).toBe('LR_KITCHEN');
    expect(w.refundStream).toBe('LR_REFUNDS');
    expect([w.kitchenTickets(), w.kitchenTickets('001'), w.kitchenSubject('001', 'wok')]).toEqual([
      'lr.kitchen.>',
      'lr.kitchen.001.>',
      'lr.kitchen.001.wok',
    ]);
    expect([w.refundInstructions(), w.refundInstructions('001')]).toEqual(['lr.refunds.>', 'lr.refunds.001']);
    // What the engine creates for each output stream: the same names.
    const n = names('lr');
    expect(n.outputStream(KITCHEN_OUTPUT.name)).toBe(w.kitchenStream);
    expect(KITCHEN_OUTPUT.subjects.map((s) => n.subject(s))).toEqual([w.kitchenTickets()]);
    expect(n.outputStream(REFUND_OUTPUT.name)).toBe(w.refundStream);
    expect(REFUND_OUTPUT.subjects.map((s) => n.subject(s))).toEqual([w.refundInstructions()]);
    expect(n.outputStream(PLATFORM_SYNC_OUTPUT.name)).toBe(w.platformSyncStream);
    expect(w.platformSyncStream).toBe('LR_SYNC');
    expect(PLATFORM_SYNC_OUTPUT.subjects.map((s) => n.subject(s))).toEqual([w.platformSyncChanges()]);
    expect(w.platformSyncChanges('001')).toBe(n.subject(platformSyncSubject('001')));
    expect(outputStreams).toContain(PLATFORM_SYNC_OUTPUT);
  });

  it('the subjects the actors publish on fall under their streams', () => {
    const w = wire('lr');
    expect(w.kitchenSubject('001', 'wok')).toBe(names('lr').subject(kitchenSubject('001', 'wok')));
    expect(w.refundInstructions('001')).toBe(names('lr').subject(refundSubject('001')));
  });

  it("names the printer daemon's subjects, and reads the store back from an alarm's", () => {
    const w = wire('lr');
    expect([w.printerAlarms(), w.printerAlarms('001'), w.printerStatus('001'), w.printerReprint('001')]).toEqual([
      'lr.alarms.>',
      'lr.alarms.001',
      'lr.printers.001.status',
      'lr.printers.001.reprint',
    ]);
    expect(w.storeOfPrinterAlarm(w.printerAlarms('001'))).toBe('001');
    for (const other of ['lr.alarms.', 'lr.alarms.001.x', 'lr.printers.001.status', 'lr2.alarms.001'])
      expect(w.storeOfPrinterAlarm(other)).toBeUndefined();
  });

  it('the engine serves the same output streams the wire names', () => {
    expect(fromIndex).toBe(outputStreams);
  });
});
