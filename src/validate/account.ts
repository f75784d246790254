/** AccountData (exactly one per backup). Rules: libsignal backup/account_data.rs. */

import type { signal } from '../frames/generated/schema.js';
import { bytesOf, has, isValidUsername, u64, type ValidationState } from './context.js';
import { enumValue } from './enums.js';
import { checkChatStyle } from './chatStyle.js';

type AccountData = signal.backup.AccountData.$Properties;

/** Profile keys are 32 bytes (zkgroup `ProfileKeyBytes`). */
const PROFILE_KEY_LENGTH = 32;
/** Username link entropy is 32 bytes (account_data.rs). */
const LINK_ENTROPY_LENGTH = 32;
/** Username link server id is a 16-byte UUID (account_data.rs). */
const LINK_SERVER_ID_LENGTH = 16;
/** Subscriber ids are 32 bytes (account_data.rs `SubscriberId`). */
const SUBSCRIBER_ID_LENGTH = 32;
/** Backup tiers libsignal knows: 200 free, 201 paid (libsignal-net `BackupLevel`). */
const BACKUP_TIER_FREE = 200n;
const BACKUP_TIER_PAID = 201n;

/** Checks one AccountData frame. */
export function checkAccount(s: ValidationState, a: AccountData): void {
  s.accountDataCount++;
  if (s.accountDataCount > 1)
    s.error('MULTIPLE_ACCOUNT_DATA', 'a second AccountData frame was found; a backup has exactly one');
  if (bytesOf(a.profileKey).length !== PROFILE_KEY_LENGTH) {
    s.error(
      'INVALID_PROFILE_KEY',
      `the account profile key must be ${PROFILE_KEY_LENGTH} bytes, found ${bytesOf(a.profileKey).length}`,
    );
  }
  if (!has(a.username)) {
    if (has(a.usernameLink))
      s.error('USERNAME_LINK_WITHOUT_USERNAME', 'the account has a username link but no username');
  } else {
    if (!isValidUsername(a.username!))
      s.error('INVALID_USERNAME', 'the account username is not a valid Signal username');
    const link = a.usernameLink;
    if (link) {
      const e = bytesOf(link.entropy).length;
      if (e !== LINK_ENTROPY_LENGTH)
        s.error('INVALID_USERNAME_LINK', `username link entropy must be ${LINK_ENTROPY_LENGTH} bytes, found ${e}`);
      const id = bytesOf(link.serverId).length;
      if (id !== LINK_SERVER_ID_LENGTH)
        s.error('INVALID_USERNAME_LINK', `username link server id must be ${LINK_SERVER_ID_LENGTH} bytes, found ${id}`);
    }
  }
  const donation = a.donationSubscriberData;
  if (donation) {
    if (bytesOf(donation.subscriberId).length !== SUBSCRIBER_ID_LENGTH) {
      s.error('INVALID_SUBSCRIBER_ID', `donation subscriber id must be ${SUBSCRIBER_ID_LENGTH} bytes`);
    } else if (!donation.currencyCode)
      s.error('MISSING_CURRENCY_CODE', 'donation subscriber data has no currency code');
  }
  const iap = a.backupsSubscriberData;
  if (iap) {
    if (bytesOf(iap.subscriberId).length !== SUBSCRIBER_ID_LENGTH) {
      s.error('INVALID_SUBSCRIBER_ID', `backups subscriber id must be ${SUBSCRIBER_ID_LENGTH} bytes`);
    } else if (!has(iap.purchaseToken) && !has(iap.originalTransactionId)) {
      s.error(
        'MISSING_IAP_SUBSCRIPTION_ID',
        'backups subscriber data has neither purchase token nor original transaction id',
      );
    } else if (has(iap.purchaseToken) && iap.purchaseToken === '') {
      s.error('MISSING_IAP_SUBSCRIPTION_ID', 'backups subscriber data has an empty purchase token');
    }
  }
  const settings = a.accountSettings;
  if (!settings) {
    s.error('MISSING_ACCOUNT_SETTINGS', 'AccountData has no accountSettings');
  } else {
    if (enumValue(settings.phoneNumberSharingMode, 'AccountData.PhoneNumberSharingMode') === 0) {
      s.error('UNKNOWN_PHONE_NUMBER_SHARING_MODE', 'phone number sharing mode is UNKNOWN');
    }
    // Custom chat colors first: the default chat style may refer to them.
    s.customColorIds.clear();
    for (const c of settings.customChatColors ?? []) {
      const id = u64(c.id);
      if (s.customColorIds.has(id)) s.error('DUPLICATE_CUSTOM_COLOR_ID', `custom chat color id ${id} appears twice`);
      s.customColorIds.add(id);
      checkCustomColor(s, c);
    }
    if (settings.defaultChatStyle) checkChatStyle(s, settings.defaultChatStyle);
    const tier = settings.backupTier;
    if (has(tier) && u64(tier) !== BACKUP_TIER_FREE && u64(tier) !== BACKUP_TIER_PAID) {
      s.error('UNKNOWN_BACKUP_TIER', `backup tier ${u64(tier)} is neither 200 (free) nor 201 (paid)`);
    }
    if (settings.optimizeOnDeviceStorage && !(has(tier) && u64(tier) === BACKUP_TIER_PAID)) {
      s.error('OPTIMIZE_STORAGE_WITHOUT_PAID_TIER', 'optimizeOnDeviceStorage is set without the paid backup tier');
    }
    const auto = settings.autoDownloadSettings;
    if (auto) {
      for (const k of ['images', 'audio', 'video', 'documents'] as const) {
        if (enumValue(auto[k], 'AccountData.AutoDownloadSettings.AutoDownloadOption') === 0) {
          s.error('UNKNOWN_AUTO_DOWNLOAD_OPTION', `auto-download setting for ${k} is UNKNOWN`);
        }
      }
    }
    if (enumValue(settings.defaultSentMediaQuality, 'AccountData.SentMediaQuality') === 0) {
      s.error('UNKNOWN_SENT_MEDIA_QUALITY', 'default sent media quality is UNKNOWN');
    }
    if (enumValue(settings.appTheme, 'AccountData.AppTheme') === 0)
      s.error('UNKNOWN_APP_THEME', 'app theme is UNKNOWN');
    if (enumValue(settings.callsUseLessDataSetting, 'AccountData.CallsUseLessDataSetting') === 0) {
      s.error('UNKNOWN_CALLS_USE_LESS_DATA', 'calls-use-less-data setting is UNKNOWN');
    }
  }
  const android = a.androidSpecificSettings;
  if (android && enumValue(android.navigationBarSize, 'AccountData.AndroidSpecificSettings.NavigationBarSize') === 0) {
    s.error('UNKNOWN_NAVIGATION_BAR_SIZE', 'Android navigation bar size is UNKNOWN');
  }
}

/** Checks one custom chat color (chat_style.rs `CustomChatColor`). */
function checkCustomColor(s: ValidationState, c: signal.backup.ChatStyle.CustomChatColor.$Properties): void {
  if (u64(c.id) === 0n) s.error('INVALID_CUSTOM_COLOR_ID', 'custom chat color id 0 is not allowed');
  if (has(c.solid)) {
    if (c.solid! >>> 24 !== 0xff) s.error('COLOR_NOT_OPAQUE', 'a custom chat color is not opaque (alpha must be 0xFF)');
  } else if (c.gradient) {
    const colors = c.gradient.colors ?? [];
    const positions = c.gradient.positions ?? [];
    if (colors.length !== positions.length)
      s.error('GRADIENT_LENGTH_MISMATCH', 'a gradient has different numbers of colors and positions');
    else if (colors.length === 0) s.error('GRADIENT_EMPTY', 'a gradient has no colors');
    else if (
      colors.length !== 2 ||
      !((positions[0] === 0 && positions[1] === 1) || (positions[0] === 1 && positions[1] === 0))
    ) {
      s.error('GRADIENT_UNSUPPORTED', 'a gradient must have two colors at positions 0 and 1');
    } else {
      for (const col of colors)
        if (col >>> 24 !== 0xff) s.error('COLOR_NOT_OPAQUE', 'a gradient color is not opaque (alpha must be 0xFF)');
    }
  } else {
    s.error('MISSING_CUSTOM_COLOR', 'a custom chat color has neither a solid color nor a gradient');
  }
}
