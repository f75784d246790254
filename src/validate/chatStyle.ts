/** ChatStyle (account default and per chat). Rules: libsignal backup/chat/chat_style.rs. */

import type { signal } from '../frames/generated/schema.js';
import { has, u64, type ValidationState } from './context.js';
import { enumValue } from './enums.js';
import { checkFilePointer } from './filePointer.js';

/** Checks a chat style; custom colors must already be known from AccountData. */
export function checkChatStyle(s: ValidationState, st: signal.backup.ChatStyle.$Properties): void {
  if (has(st.wallpaperPreset)) {
    if (enumValue(st.wallpaperPreset, 'ChatStyle.WallpaperPreset') === 0)
      s.error('UNKNOWN_WALLPAPER_PRESET', 'wallpaper preset is UNKNOWN');
  } else if (st.wallpaperPhoto) {
    checkFilePointer(s, st.wallpaperPhoto, 'wallpaper photo');
  }
  if (has(st.bubbleColorPreset)) {
    if (enumValue(st.bubbleColorPreset, 'ChatStyle.BubbleColorPreset') === 0)
      s.error('UNKNOWN_BUBBLE_COLOR_PRESET', 'bubble color preset is UNKNOWN');
  } else if (has(st.customColorId)) {
    const id = u64(st.customColorId);
    if (!s.customColorIds.has(id))
      s.error('UNKNOWN_CUSTOM_COLOR', `chat style refers to custom color ${id}, which AccountData does not define`);
  } else if (!st.autoBubbleColor) {
    s.error('MISSING_BUBBLE_COLOR', 'chat style has no bubble color');
  }
}
