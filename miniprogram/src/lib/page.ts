/**
 * Pages and components are written as plain definition objects (`definePage`)
 * handed to WeChat's `Component()` by each page's `index.ts`, so tests load the
 * same objects with miniprogram-simulate without WeChat.
 */
export interface Base<D> {
  data: D;
  setData(patch: Partial<D> & Record<string, unknown>, cb?: () => void): void;
  triggerEvent(name: string, detail?: unknown): void;
}

export interface TapEvent<T = Record<string, string>> {
  currentTarget: { dataset: T };
  detail: any;
}

export type Instance<D, M, F> = Base<D> & M & F;

export interface Definition<D, M, F> {
  data: D;
  properties?: Record<string, unknown>;
  observers?: Record<string, (this: Instance<D, M, F>, ...a: any[]) => void>;
  options?: Record<string, unknown>;
  methods: M & ThisType<Instance<D, M, F>>;
}

export function definePage<D, M, F = object>(def: Definition<D, M, F>): Definition<D, M, F> {
  return def;
}
