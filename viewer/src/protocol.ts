/**
 * Messages between the page and the viewer's worker. The page never sees a key after it has
 * handed it over, nor any byte of the backup: only people-shaped records and decrypted media as
 * Blobs it asked for.
 */

import type { ExportMessage } from '../../src/export/model.js';

/** A file of a picked folder: its path from the picked folder (first segment: that folder's name). */
export interface PickedFile {
  path: string;
  file: File;
}

/** What the person opened: a folder (a list of files) or a single remote-style backup file. */
export type OpenSource = { kind: 'folder'; files: PickedFile[] } | { kind: 'file'; file: File };

/** The key material, as typed (kept in the worker's memory only). */
export interface OpenKey {
  recoveryKey: string;
  aci?: string;
  /** Forward-secrecy token as hex (remote-style files with the modern layout). */
  fsToken?: string;
}

/** One chat in the chat list. */
export interface ChatSummary {
  id: string;
  title: string;
  kind: string;
  archived: boolean;
  pinnedOrder?: number;
  count: number;
  lastMs?: number;
  lastText?: string;
  lastAuthor?: string;
}

/** A search hit. */
export interface SearchHit {
  chatId: string;
  chatTitle: string;
  index: number;
  sentMs: number;
  author: string;
  snippet: string;
}

export type Request =
  | { type: 'open'; source: OpenSource; key: OpenKey }
  | { type: 'messages'; id: number; chatId: string; start: number; end: number }
  | { type: 'media'; id: number; localFileName?: string; contentType?: string }
  | { type: 'search'; id: number; query: string; limit: number }
  | { type: 'export'; id: number; chatId: string };

export type Response =
  | { type: 'progress'; phase: 'verify' | 'read'; fraction: number; messages: number }
  | {
      type: 'opened';
      account: string;
      snapshot?: string;
      chats: ChatSummary[];
      messages: number;
      hasMedia: boolean;
      seconds: number;
    }
  | { type: 'failed'; code: string; message: string }
  | { type: 'messages'; id: number; start: number; items: ExportMessage[] }
  | { type: 'media'; id: number; blob?: Blob; error?: string }
  | { type: 'search'; id: number; hits: SearchHit[]; more: boolean }
  | { type: 'export'; id: number; blob?: Blob; name?: string; error?: string };
