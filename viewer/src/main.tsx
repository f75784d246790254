/** The viewer's page: open a backup, then the chat list, the messages and the search. */

import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ViewerClient } from './client.js';
import { colourOf, initials, listTime } from './format.js';
import { download, type MediaContext } from './media.js';
import { MessageList } from './messageList.js';
import type { ChatSummary, OpenSource, PickedFile, SearchHit } from './protocol.js';

interface Opened {
  client: ViewerClient;
  account: string;
  snapshot?: string;
  chats: ChatSummary[];
  messages: number;
  hasMedia: boolean;
}

type Picked = { kind: 'folder'; files: PickedFile[]; name: string } | { kind: 'file'; file: File; name: string };

declare global {
  interface Window {
    showDirectoryPicker?: (options?: { mode?: 'read' }) => Promise<FileSystemDirectoryHandle>;
  }
}

async function walk(dir: FileSystemDirectoryHandle, prefix: string, out: PickedFile[]): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: values() is not in TypeScript's DOM types yet
  for await (const entry of (dir as any).values() as AsyncIterable<FileSystemHandle>) {
    const path = `${prefix}/${entry.name}`;
    if (entry.kind === 'file') out.push({ path, file: await (entry as FileSystemFileHandle).getFile() });
    else await walk(entry as FileSystemDirectoryHandle, path, out);
  }
}

function OpenForm({ onOpened }: { onOpened: (o: Opened) => void }) {
  const [picked, setPicked] = useState<Picked | undefined>(undefined);
  const [key, setKey] = useState('');
  const [aci, setAci] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [progress, setProgress] = useState<{ phase: string; fraction: number; messages: number } | undefined>(
    undefined,
  );
  const busy = progress !== undefined;

  const onFolder = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    setError(undefined);
    setPicked(files.length === 0 ? undefined : { kind: 'folder', files, name: files[0]!.path.split('/')[0] ?? '' });
  };
  const onFile = (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    setError(undefined);
    setPicked(file === undefined ? undefined : { kind: 'file', file, name: file.name });
  };
  const chooseWithAccessApi = async () => {
    try {
      const dir = await window.showDirectoryPicker!({ mode: 'read' });
      const files: PickedFile[] = [];
      await walk(dir, dir.name, files);
      setError(undefined);
      setPicked({ kind: 'folder', files, name: dir.name });
    } catch (e) {
      if ((e as DOMException).name !== 'AbortError') setError((e as Error).message);
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (picked === undefined) {
      setError('Choose a backup folder (or a backup file) first.');
      return;
    }
    if (key.trim() === '') {
      setError('Type the recovery key.');
      return;
    }
    setError(undefined);
    setProgress({ phase: 'verify', fraction: 0, messages: 0 });
    const client = new ViewerClient();
    const source: OpenSource =
      picked.kind === 'folder' ? { kind: 'folder', files: picked.files } : { kind: 'file', file: picked.file };
    try {
      const r = await client.open(
        source,
        {
          recoveryKey: key,
          ...(aci.trim() === '' ? {} : { aci: aci.trim() }),
          ...(token.trim() === '' ? {} : { fsToken: token.trim() }),
        },
        (p) => setProgress({ phase: p.phase, fraction: p.fraction, messages: p.messages }),
      );
      setKey('');
      onOpened({
        client,
        account: r.account,
        ...(r.snapshot === undefined ? {} : { snapshot: r.snapshot }),
        chats: r.chats,
        messages: r.messages,
        hasMedia: r.hasMedia,
      });
    } catch (err) {
      client.close();
      setError((err as Error).message);
    } finally {
      setProgress(undefined);
    }
  };

  return (
    <main class="start">
      <form class="open-card" onSubmit={submit} aria-describedby="privacy">
        <h1>Signal backup viewer</h1>
        <p id="privacy" class="sub">
          Everything happens in this page: the backup is read from your disk and nothing is uploaded. The recovery key
          is kept in memory only, and forgotten when you close the backup or the tab.
        </p>
        <div class="field">
          <label for="folder">Backup folder</label>
          <input
            id="folder"
            type="file"
            // @ts-expect-error webkitdirectory is not in Preact's attribute types
            webkitdirectory={true}
            multiple
            onChange={onFolder}
            disabled={busy}
          />
          <div class="hint">The SignalBackups folder, the folder holding it, or one snapshot.</div>
          {typeof window.showDirectoryPicker === 'function' ? (
            <button type="button" class="secondary" onClick={chooseWithAccessApi} disabled={busy}>
              Choose the folder with the system picker
            </button>
          ) : null}
        </div>
        <div class="field">
          <label for="file">Or a backup file</label>
          <input id="file" type="file" onChange={onFile} disabled={busy} />
        </div>
        {picked === undefined ? null : (
          <div class="picked" aria-live="polite">
            Selected: {picked.name}
            {picked.kind === 'folder' ? ` (${picked.files.length} files)` : ''}
          </div>
        )}
        <div class="field">
          <label for="key">Recovery key</label>
          <input
            id="key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={key}
            onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)}
            disabled={busy}
            placeholder="64 letters and digits, spaces allowed"
          />
        </div>
        <details class="field" open={picked?.kind === 'file'}>
          <summary>Account details (for a backup file)</summary>
          <label for="aci">Account ID (ACI)</label>
          <input
            id="aci"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={aci}
            onInput={(e) => setAci((e.currentTarget as HTMLInputElement).value)}
            disabled={busy}
          />
          <label for="token">Forward-secrecy token (hex)</label>
          <input
            id="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
            disabled={busy}
          />
        </details>
        <button type="submit" class="primary" disabled={busy}>
          Open
        </button>
        {progress === undefined ? null : (
          <div class="progress">
            <progress aria-label="Progress" max={1} value={progress.fraction} />
            <div class="sub">
              {progress.phase === 'verify'
                ? 'Checking the backup (MAC)…'
                : `Decrypting and indexing… ${progress.messages.toLocaleString()} messages`}
            </div>
          </div>
        )}
        {error === undefined ? null : (
          <div class="error" role="alert">
            {error}
          </div>
        )}
      </form>
    </main>
  );
}

function Avatar({ name }: { name: string }) {
  return (
    <span class={`avatar c${colourOf(name)}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

function focusSibling(e: KeyboardEvent) {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
  const list = (e.currentTarget as HTMLElement).closest('ul');
  const buttons = [...(list?.querySelectorAll<HTMLButtonElement>('li > button') ?? [])];
  const i = buttons.indexOf(e.target as HTMLButtonElement);
  if (i < 0) return;
  e.preventDefault();
  const j =
    e.key === 'Home'
      ? 0
      : e.key === 'End'
        ? buttons.length - 1
        : e.key === 'ArrowDown'
          ? Math.min(buttons.length - 1, i + 1)
          : Math.max(0, i - 1);
  buttons[j]?.focus();
}

function Viewer({ opened, onClose }: { opened: Opened; onClose: () => void }) {
  const { client } = opened;
  const chats = useMemo(
    () =>
      [...opened.chats]
        .filter((c) => c.count > 0 || c.kind !== 'other')
        .sort((a, b) => (a.pinnedOrder ?? Infinity) - (b.pinnedOrder ?? Infinity) || (b.lastMs ?? 0) - (a.lastMs ?? 0)),
    [opened],
  );
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [jump, setJump] = useState<{ index: number; serial: number } | undefined>(undefined);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<{ hits: SearchHit[]; more: boolean } | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const serial = useRef(0);
  const ctx: MediaContext = useMemo(() => ({ client, hasMedia: opened.hasMedia }), [opened]);
  const chat = chats.find((c) => c.id === selected);

  useEffect(() => {
    if (query.trim() === '') {
      setHits(undefined);
      return;
    }
    const t = setTimeout(() => void client.search(query).then(setHits), 150);
    return () => clearTimeout(t);
  }, [query]);

  const openChat = (id: string, index?: number) => {
    setSelected(id);
    setJump(index === undefined ? undefined : { index, serial: ++serial.current });
  };
  const exportChat = async () => {
    if (chat === undefined) return;
    setStatus('Exporting…');
    try {
      const { blob, name } = await client.exportChat(chat.id);
      download(blob, name);
      setStatus(`Saved ${name}`);
    } catch (e) {
      setStatus((e as Error).message);
    }
  };

  return (
    <div class="app">
      <aside class="sidebar">
        <header class="side-head">
          <div>
            <div class="account">{opened.account || 'Signal backup'}</div>
            <div class="sub">
              {opened.messages.toLocaleString()} messages{opened.snapshot === undefined ? '' : ` · ${opened.snapshot}`}
            </div>
          </div>
          <button type="button" class="secondary" onClick={onClose} title="Close the backup and forget the key">
            Close
          </button>
        </header>
        <input
          class="search"
          type="search"
          aria-label="Search"
          placeholder="Search"
          value={query}
          onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        />
        {hits === undefined ? (
          <ul class="chats" aria-label="Chats">
            {chats.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  class="chat-item"
                  aria-current={c.id === selected ? 'true' : undefined}
                  onClick={() => openChat(c.id)}
                  onKeyDown={focusSibling}
                >
                  <Avatar name={c.title} />
                  <span class="chat-text">
                    <span class="chat-top">
                      <span class="chat-title">{c.title}</span>
                      {c.lastMs === undefined ? null : <span class="chat-time">{listTime(c.lastMs)}</span>}
                    </span>
                    <span class="chat-bottom">
                      <span class="chat-last">
                        {c.lastAuthor !== undefined && c.kind === 'group' ? `${c.lastAuthor}: ` : ''}
                        {c.lastText ?? ''}
                      </span>
                      {c.count > 0 ? (
                        <span class="count" title={`${c.count} messages`}>
                          {c.count > 9999 ? `${Math.floor(c.count / 1000)}k` : c.count}
                        </span>
                      ) : null}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <ul class="chats results" aria-label="Search results">
            {hits.hits.length === 0 ? <li class="sub empty">No messages found.</li> : null}
            {hits.hits.map((h) => (
              <li key={`${h.chatId}:${h.index}`}>
                <button
                  type="button"
                  class="chat-item"
                  onClick={() => openChat(h.chatId, h.index)}
                  onKeyDown={focusSibling}
                >
                  <Avatar name={h.chatTitle} />
                  <span class="chat-text">
                    <span class="chat-top">
                      <span class="chat-title">{h.chatTitle}</span>
                      <span class="chat-time">{listTime(h.sentMs)}</span>
                    </span>
                    <span class="chat-last">
                      {h.author}: {h.snippet}
                    </span>
                  </span>
                </button>
              </li>
            ))}
            {hits.more ? <li class="sub empty">More results: refine the search.</li> : null}
          </ul>
        )}
      </aside>
      <section class="pane">
        {chat === undefined ? (
          <div class="empty-pane">
            <p>Choose a chat.</p>
          </div>
        ) : (
          <>
            <header class="pane-head">
              <Avatar name={chat.title} />
              <div class="pane-title">
                <h2>{chat.title}</h2>
                <div class="sub">
                  {chat.count.toLocaleString()} messages{status === undefined ? '' : ` · ${status}`}
                </div>
              </div>
              <button type="button" class="secondary" onClick={exportChat}>
                Export as HTML
              </button>
            </header>
            <MessageList
              key={chat.id}
              client={client}
              ctx={ctx}
              chatId={chat.id}
              count={chat.count}
              group={chat.kind === 'group'}
              jump={jump}
            />
          </>
        )}
      </section>
    </div>
  );
}

function App() {
  const [opened, setOpened] = useState<Opened | undefined>(undefined);
  if (opened === undefined) return <OpenForm onOpened={setOpened} />;
  return (
    <Viewer
      opened={opened}
      onClose={() => {
        opened.client.close();
        setOpened(undefined);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
