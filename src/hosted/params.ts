/**
 * Signal's production backup server public params (`backupServerPublicParams`, base64: version
 * byte 0, 225 bytes), as Signal's clients ship them: Signal-Android app/build.gradle.kts,
 * defaultConfig `BACKUP_SERVER_PUBLIC_PARAMS` (commit 00120e8c337a069df208501fdfba304f51d96407).
 * Parse with `BackupServerPublicParams.deserialize(fromBase64(...))`.
 */
export const SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS =
  'AJwNSU55fsFCbgaxGRD11wO1juAs8Yr5GF8FPlGzzvdJJIKH5/4CC7ZJSOe3yL2vturVaRU2Cx0n751Vt8wkj1bozK3CBV1UokxV09GWf+hdVImLGjXGYLLhnI1J2TWEe7iWHyb553EEnRb5oxr9n3lUbNAJuRmFM7hrr0Al0F0wrDD4S8lo2mGaXe0MJCOM166F8oYRQqpFeEHfiLnxA1O8ZLh7vMdv4g9jI5phpRBTsJ5IjiJrWeP0zdIGHEssUeprDZ9OUJ14m0v61eYJMKsf59Bn+mAT2a7YfB+Don9O';
