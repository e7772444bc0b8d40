import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('engine configuration', () => {
  it('reads the append de-duplication window and refuses one shorter than two append attempts', () => {
    expect(parseConfig({}).appendDedupWindowMs).toBe(15_000);
    expect(parseConfig({ ENGINE_APPEND_DEDUP_WINDOW_MS: '30000' }).appendDedupWindowMs).toBe(30_000);
    expect(() => parseConfig({ ENGINE_APPEND_DEDUP_WINDOW_MS: '3000' })).toThrow(
      /appendDedupWindowMs \(3000\) must be at least twice appendTimeoutMs \(2000\)/,
    );
    expect(
      parseConfig({ ENGINE_APPEND_DEDUP_WINDOW_MS: '3000', ENGINE_APPEND_TIMEOUT_MS: '1500' }).appendDedupWindowMs,
    ).toBe(3_000);
  });

  it('names the variable that is unknown or malformed', () => {
    expect(() => parseConfig({ ENGINE_APPEND_DEDUP_WINDOW: '1' })).toThrow(ConfigError);
    expect(() => parseConfig({ ENGINE_APPEND_DEDUP_WINDOW: '1' })).toThrow(
      /unknown variable ENGINE_APPEND_DEDUP_WINDOW\b/,
    );
    expect(() => parseConfig({ ENGINE_APPEND_DEDUP_WINDOW_MS: 'soon' })).toThrow(
      /ENGINE_APPEND_DEDUP_WINDOW_MS must be a number/,
    );
  });
});
