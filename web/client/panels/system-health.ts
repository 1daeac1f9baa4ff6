/**
 * The one health badge a wall shows instead of the status strip's engineering figures (kiosk
 * mode): the ingest, storage and broker figures and the freshness of the data folded into
 * "系统正常 / System healthy", amber "注意 / Attention" or red "异常 / Fault", with the reasons
 * worded, never a figure. The operator's desk keeps the figures (status-strip.ts).
 */
import type { StatsMessage } from '../../shared/protocol.ts';
import { getLanguage, t } from '../i18n/language.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { Freshness } from '../stream/freshness.ts';

/**
 * Ingest lag (recent p95: a message's age until stored) above these is amber, then red — the
 * strip's own thresholds. Storing waits up to the batch time limit (1 s by default,
 * CITYTWIN_BATCH_MAX_DELAY_MS) plus the insert, so amber leaves 2 s beyond the default window.
 */
export const LAG_WARN_MS = 3_000;
export const LAG_BAD_MS = 10_000;

export type HealthLevel = 'ok' | 'warn' | 'bad';

export type HealthReason =
  | 'connecting'
  | 'stopped'
  | 'dataOld'
  | 'dataLate'
  | 'storageDown'
  | 'storageDegraded'
  | 'brokerDown'
  | 'storingFarBehind'
  | 'storingBehind';

export interface SystemHealth {
  level: HealthLevel;
  /** Why it is not healthy, the red ones first; empty when healthy. */
  reasons: HealthReason[];
}

/** Pure: the worst of the figures, with every reason at or above amber. */
export function systemHealth(stats: StatsMessage | null, freshness: Freshness): SystemHealth {
  const bad: HealthReason[] = [];
  const warn: HealthReason[] = [];
  if (freshness.stopped) bad.push('stopped');
  else if (freshness.condition === 'waiting') warn.push('connecting');
  else if (freshness.level === 'bad') bad.push('dataOld');
  else if (freshness.level === 'warn') warn.push('dataLate');
  if (stats) {
    if (stats.storage === 'down') bad.push('storageDown');
    else if (stats.storage === 'degraded') warn.push('storageDegraded');
    if (stats.broker === 'down') bad.push('brokerDown');
    if (stats.ingestLagMs > LAG_BAD_MS) bad.push('storingFarBehind');
    else if (stats.ingestLagMs > LAG_WARN_MS) warn.push('storingBehind');
  } else if (!freshness.stopped && freshness.condition !== 'waiting') warn.push('connecting');
  const level: HealthLevel = bad.length > 0 ? 'bad' : warn.length > 0 ? 'warn' : 'ok';
  return { level, reasons: [...bad, ...warn] };
}

/** At most this many reasons are worded on the badge (a wall is read at a glance). */
const REASONS_SHOWN = 2;

/** "系统正常", "注意：数据入库滞后", "异常：设备接入中断、数据已停止更新" in the current language. */
export function healthText(health: SystemHealth): string {
  const label = t(`health.system.${health.level}`);
  if (health.level === 'ok') return label;
  const zh = getLanguage() === 'zh';
  const reasons = health.reasons.slice(0, REASONS_SHOWN).map((r) => t(`health.reason.${r}` as StringKey));
  return `${label}${zh ? '：' : ': '}${reasons.join(zh ? '、' : ', ')}`;
}
