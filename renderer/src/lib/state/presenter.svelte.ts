const STORAGE_KEY = 'labdeck.presenter';

/** Presenter mode survives a reload: an instructor sets it once per projector session. */
export class PresenterMode {
  on = $state(false);

  constructor() {
    try {
      this.on = globalThis.localStorage?.getItem(STORAGE_KEY) === 'on';
    } catch {
      this.on = false;
    }
  }

  toggle(): void {
    this.on = !this.on;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, this.on ? 'on' : 'off');
    } catch {
      // Storage may be disabled; the mode still applies to this window.
    }
  }
}
