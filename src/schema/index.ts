/**
 * `sbackup/schema`: the generated message classes of Signal's backup schema (proto/backup.proto,
 * package `signal.backup`; proto/metadata.proto, package `svrb.backup_metadata`), for programs
 * that need the classes themselves (`signal.backup.ChatItem.create`, enums by name). Most apps
 * use the plain frame types of the root entry and the codec of `sbackup/frames` instead.
 */

export { signal, svrb } from '../frames/generated/schema.js';
