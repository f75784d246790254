/**
 * Signal's chat WebSocket framing: every binary WebSocket message is one `WebSocketMessage`
 * protobuf (proto2), which holds a request or a response.
 *
 *   WebSocketMessage        { type = 1 (enum: 1 REQUEST, 2 RESPONSE), request = 2, response = 3 }
 *   WebSocketRequestMessage { verb = 1, path = 2, body = 3 (bytes), id = 4 (uint64), headers = 5 (repeated) }
 *   WebSocketResponseMessage{ id = 1 (uint64), status = 2 (uint32), message = 3, body = 4 (bytes), headers = 5 (repeated) }
 *
 * Headers are strings `name:value`. Request ids are 64-bit (the server picks large random ones
 * for its own requests, and a response must echo the id exactly), hence bigint. Internal.
 */

import { concatByteList, fromUtf8, utf8 } from '../internal/bytes.js';

/** A request, in either direction. */
export interface WebSocketRequestMessage {
  readonly verb: string;
  readonly path: string;
  readonly id: bigint;
  readonly headers: readonly string[];
  readonly body?: Uint8Array;
}

/** A response to the request of the same id. */
export interface WebSocketResponseMessage {
  readonly id: bigint;
  readonly status: number;
  readonly message?: string;
  readonly headers: readonly string[];
  readonly body?: Uint8Array;
}

/** A decoded message: a request, a response, or a type this client does not know. */
export type WebSocketMessage =
  | { readonly type: 'request'; readonly request: WebSocketRequestMessage }
  | { readonly type: 'response'; readonly response: WebSocketResponseMessage }
  | { readonly type: 'unknown'; readonly typeNumber: number };

const TYPE_REQUEST = 1;
const TYPE_RESPONSE = 2;
const MAX_UINT64 = (1n << 64n) - 1n;

/** Encodes a request or response as a `WebSocketMessage`. */
export function encodeWebSocketMessage(
  message:
    | { readonly type: 'request'; readonly request: WebSocketRequestMessage }
    | { readonly type: 'response'; readonly response: WebSocketResponseMessage },
): Uint8Array {
  const inner: Uint8Array[] = [];
  if (message.type === 'request') {
    const r = message.request;
    inner.push(stringField(1, r.verb), stringField(2, r.path));
    if (r.body !== undefined) inner.push(bytesField(3, r.body));
    inner.push(varintField(4, r.id));
    for (const h of r.headers) inner.push(stringField(5, h));
    return concatByteList([varintField(1, BigInt(TYPE_REQUEST)), bytesField(2, concatByteList(inner))]);
  }
  const r = message.response;
  inner.push(varintField(1, r.id), varintField(2, BigInt(r.status)));
  if (r.message !== undefined) inner.push(stringField(3, r.message));
  if (r.body !== undefined) inner.push(bytesField(4, r.body));
  for (const h of r.headers) inner.push(stringField(5, h));
  return concatByteList([varintField(1, BigInt(TYPE_RESPONSE)), bytesField(3, concatByteList(inner))]);
}

/**
 * Decodes a `WebSocketMessage`; `undefined` when the bytes are not a well-formed one (bad wire
 * format, a string that is not UTF-8, a request or response missing where its type says).
 * Unknown fields are skipped; for a repeated scalar the last value wins, as protobuf says.
 */
export function decodeWebSocketMessage(bytes: Uint8Array): WebSocketMessage | undefined {
  const top = parseFields(bytes);
  if (top === undefined) return undefined;
  let type = 0;
  let request: Uint8Array | undefined;
  let response: Uint8Array | undefined;
  for (const f of top) {
    if (f.field === 1 && f.varint !== undefined) type = Number(BigInt.asIntN(32, f.varint));
    else if (f.field === 2 && f.bytes !== undefined) request = f.bytes;
    else if (f.field === 3 && f.bytes !== undefined) response = f.bytes;
  }
  try {
    if (type === TYPE_REQUEST) {
      if (request === undefined) return undefined;
      const decoded = decodeRequest(request);
      return decoded === undefined ? undefined : { type: 'request', request: decoded };
    }
    if (type === TYPE_RESPONSE) {
      if (response === undefined) return undefined;
      const decoded = decodeResponse(response);
      return decoded === undefined ? undefined : { type: 'response', response: decoded };
    }
  } catch {
    return undefined; // a string field that is not UTF-8
  }
  return { type: 'unknown', typeNumber: type };
}

function decodeRequest(bytes: Uint8Array): WebSocketRequestMessage | undefined {
  const fields = parseFields(bytes);
  if (fields === undefined) return undefined;
  let verb = '';
  let path = '';
  let id = 0n;
  let body: Uint8Array | undefined;
  const headers: string[] = [];
  for (const f of fields) {
    if (f.field === 1 && f.bytes !== undefined) verb = fromUtf8(f.bytes);
    else if (f.field === 2 && f.bytes !== undefined) path = fromUtf8(f.bytes);
    else if (f.field === 3 && f.bytes !== undefined) body = f.bytes;
    else if (f.field === 4 && f.varint !== undefined) id = f.varint;
    else if (f.field === 5 && f.bytes !== undefined) headers.push(fromUtf8(f.bytes));
  }
  return body === undefined ? { verb, path, id, headers } : { verb, path, id, headers, body };
}

function decodeResponse(bytes: Uint8Array): WebSocketResponseMessage | undefined {
  const fields = parseFields(bytes);
  if (fields === undefined) return undefined;
  let id = 0n;
  let status = 0;
  let message: string | undefined;
  let body: Uint8Array | undefined;
  const headers: string[] = [];
  for (const f of fields) {
    if (f.field === 1 && f.varint !== undefined) id = f.varint;
    else if (f.field === 2 && f.varint !== undefined) status = Number(BigInt.asUintN(32, f.varint));
    else if (f.field === 3 && f.bytes !== undefined) message = fromUtf8(f.bytes);
    else if (f.field === 4 && f.bytes !== undefined) body = f.bytes;
    else if (f.field === 5 && f.bytes !== undefined) headers.push(fromUtf8(f.bytes));
  }
  return {
    id,
    status,
    headers,
    ...(message === undefined ? {} : { message }),
    ...(body === undefined ? {} : { body }),
  };
}

interface Field {
  readonly field: number;
  readonly varint?: bigint;
  readonly bytes?: Uint8Array;
}

/** Splits a message into fields with 64-bit exact varints; `undefined` when malformed. */
function parseFields(bytes: Uint8Array): Field[] | undefined {
  const out: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = readVarint(bytes, offset);
    if (tag === undefined) return undefined;
    offset = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0 || tag.value > 0xffffffffn) return undefined;
    if (wireType === 0) {
      const v = readVarint(bytes, offset);
      if (v === undefined) return undefined;
      out.push({ field, varint: v.value });
      offset = v.next;
    } else if (wireType === 2) {
      const len = readVarint(bytes, offset);
      if (len === undefined || len.value > BigInt(bytes.length - len.next)) return undefined;
      const end = len.next + Number(len.value);
      out.push({ field, bytes: bytes.subarray(len.next, end) });
      offset = end;
    } else if (wireType === 1 || wireType === 5) {
      offset += wireType === 1 ? 8 : 4;
      if (offset > bytes.length) return undefined;
    } else {
      return undefined; // groups (3, 4) and reserved wire types
    }
  }
  return out;
}

function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (offset + i >= bytes.length) return undefined;
    const b = bytes[offset + i]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return value > MAX_UINT64 ? undefined : { value, next: offset + i + 1 };
  }
  return undefined;
}

function varintBytes(value: bigint): number[] {
  if (value < 0n || value > MAX_UINT64) throw new RangeError('"id" expected an unsigned 64-bit integer');
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function varintField(field: number, value: bigint): Uint8Array {
  return Uint8Array.from([...varintBytes(BigInt(field * 8)), ...varintBytes(value)]);
}

function bytesField(field: number, payload: Uint8Array): Uint8Array {
  const head = Uint8Array.from([...varintBytes(BigInt(field * 8 + 2)), ...varintBytes(BigInt(payload.length))]);
  return concatByteList([head, payload]);
}

function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, utf8(text));
}
