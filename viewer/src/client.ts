/** The page's side of the worker: requests with ids, answered by promises. */

import type { ExportMessage } from '../../src/export/model.js';
import type { OpenKey, OpenSource, Request, Response, SearchHit } from './protocol.js';

type Opened = Extract<Response, { type: 'opened' }>;
type Progress = Extract<Response, { type: 'progress' }>;

export class ViewerClient {
  readonly #worker: Worker;
  #next = 1;
  readonly #pending = new Map<number, (r: Response) => void>();
  #onOpen: ((r: Opened | Extract<Response, { type: 'failed' }>) => void) | undefined;
  #onProgress: ((p: Progress) => void) | undefined;

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'sbackup-viewer' });
    this.#worker.onmessage = (e: MessageEvent<Response>) => {
      const r = e.data;
      if (r.type === 'progress') this.#onProgress?.(r);
      else if (r.type === 'opened' || r.type === 'failed') this.#onOpen?.(r);
      else {
        const done = this.#pending.get(r.id);
        this.#pending.delete(r.id);
        done?.(r);
      }
    };
    this.#worker.onerror = (e) => {
      this.#onOpen?.({ type: 'failed', code: 'INTERNAL', message: `internal error: ${e.message}` });
    };
  }

  open(source: OpenSource, key: OpenKey, onProgress: (p: Progress) => void): Promise<Opened> {
    return new Promise((resolve, reject) => {
      this.#onProgress = onProgress;
      this.#onOpen = (r) => {
        this.#onOpen = undefined;
        if (r.type === 'opened') resolve(r);
        else reject(Object.assign(new Error(r.message), { code: r.code }));
      };
      this.#post({ type: 'open', source, key });
    });
  }

  #post(r: Request): void {
    this.#worker.postMessage(r);
  }

  #ask<T extends Response>(make: (id: number) => Request): Promise<T> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, (r) => resolve(r as T));
      this.#post(make(id));
    });
  }

  async messages(chatId: string, start: number, end: number): Promise<{ start: number; items: ExportMessage[] }> {
    const r = await this.#ask<Extract<Response, { type: 'messages' }>>((id) => ({
      type: 'messages',
      id,
      chatId,
      start,
      end,
    }));
    return { start: r.start, items: r.items };
  }

  async media(localFileName: string | undefined, contentType: string | undefined): Promise<Blob> {
    const r = await this.#ask<Extract<Response, { type: 'media' }>>((id) => ({
      type: 'media',
      id,
      ...(localFileName === undefined ? {} : { localFileName }),
      ...(contentType === undefined ? {} : { contentType }),
    }));
    if (r.blob === undefined) throw new Error(r.error ?? 'the medium could not be read');
    return r.blob;
  }

  async search(query: string, limit = 200): Promise<{ hits: SearchHit[]; more: boolean }> {
    const r = await this.#ask<Extract<Response, { type: 'search' }>>((id) => ({ type: 'search', id, query, limit }));
    return { hits: r.hits, more: r.more };
  }

  async exportChat(chatId: string): Promise<{ blob: Blob; name: string }> {
    const r = await this.#ask<Extract<Response, { type: 'export' }>>((id) => ({ type: 'export', id, chatId }));
    if (r.blob === undefined || r.name === undefined) throw new Error(r.error ?? 'the export failed');
    return { blob: r.blob, name: r.name };
  }

  /** Stops the worker: the key and every decrypted record go with it. */
  close(): void {
    this.#worker.terminate();
    for (const done of this.#pending.values()) done({ type: 'media', id: 0, error: 'closed' });
    this.#pending.clear();
  }
}
