import { getContext } from './lib/app-context';

App({
  onLaunch() {
    // Builds the context (environment, saved session) before the first page needs it.
    getContext();
  },
  onShow() {
    // Back from the background: sockets may have been cut, ask for fresh snapshots.
    getContext().resyncAll();
  },
});
