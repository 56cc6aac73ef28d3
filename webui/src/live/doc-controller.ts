import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type * as Y from 'yjs';
import { type DocLink, type DocLinks, type LinkState, sharedLinks } from './doc-link.js';

/**
 * Subscribes a Lit element to one relay document: `value` is `read(doc)` after every change,
 * and the element re-renders. Opened when the element is connected, released when it leaves the
 * page; the name can change (a row re-used for another container) with `setDocName`.
 */
export class DocController<T> implements ReactiveController {
  value: T | undefined;
  /** Page time of the last change the relay pushed (not the first load). */
  changedAt: number | undefined;
  private link: DocLink | undefined;
  private unsubscribe: (() => void) | undefined;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private docName: string | undefined,
    private readonly read: (doc: Y.Doc) => T | undefined,
    private readonly links: DocLinks = sharedLinks,
  ) {
    host.addController(this);
  }

  get state(): LinkState | 'none' {
    return this.link?.state ?? 'none';
  }

  setDocName(name: string | undefined): void {
    if (name === this.docName) return;
    this.close();
    this.docName = name;
    if (this.connected) this.open();
  }

  hostConnected(): void {
    this.connected = true;
    this.open();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.close();
  }

  private open(): void {
    if (this.docName === undefined || this.link) return;
    const link = this.links.acquire(this.docName);
    this.link = link;
    let first = true;
    const refresh = () => {
      this.value = this.read(link.doc);
      if (!first && link.state === 'live') this.changedAt = Date.now();
      if (link.state === 'live') first = false;
      this.host.requestUpdate();
    };
    this.unsubscribe = link.onChange(refresh);
    refresh();
  }

  private close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.link && this.docName !== undefined) this.links.release(this.docName);
    this.link = undefined;
    this.value = undefined;
  }
}
