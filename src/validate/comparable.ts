/** Placeholder, replaced below. */
export function comparableString(): string {
  return '';
}
export const comparableBackup = comparableString;
