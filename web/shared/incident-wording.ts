/**
 * Incident explanations worded for a reader, in zh-CN or English: why a piece of evidence was
 * linked (a {@link LinkReason}) and what a change was (a {@link ChangeNote}, or a stored change
 * detail read back with `changeNoteOf`). The one wording of these codes, used by the console
 * and by the server's after-action reports. Codes come from twin-model/incidents; a code this
 * module does not know (a newer server) is shown as the code. English follows the record text
 * (incident-explanations.ts) word for word, so English readers see what the store holds.
 */
import {
  changeNoteOf,
  linkReasonText,
  type Because,
  type ChangeNote,
  type ChangeWhat,
  type LinkReason,
  type OfficialWarningParams,
} from '../../twin-model/incidents/incident-explanations.ts';

export type WordingLanguage = 'zh' | 'en';

/** Names the reader knows better than the codes: a signal's label, a district's name. */
export interface WordingNames {
  /** A signal id (`hotline`, `water_level` …) as the reader calls it; default: the id. */
  signal?(id: string, lang: WordingLanguage): string;
  /** A district code as the reader calls it, or null to show the code. */
  district?(code: string, lang: WordingLanguage): string | null;
}

type ParamsOf<U extends { code: string }, C> = Extract<U, { code: C }> extends { params: infer P } ? P : never;
/** One wording per code: a table the compiler checks for every code of the union. */
type Wording<U extends { code: string }> = { [C in U['code']]: (p: ParamsOf<U, C>, lang: WordingLanguage, names: WordingNames) => string };

const district = (code: string, lang: WordingLanguage, names: WordingNames): string => names.district?.(code, lang) ?? code;

/** Warning kinds (twin-model/cap `WARNING_KINDS`) as the signals are called in Chinese. */
const WARNING_KIND_ZH: Readonly<Record<OfficialWarningParams['kind'], string>> = {
  rainstorm: '暴雨',
  flood: '洪涝',
  typhoon: '台风',
  thunderstorm: '雷雨大风',
  lightning: '雷电',
  gale: '大风',
  heat: '高温',
  cold: '寒潮',
  snow: '暴雪',
  road_icing: '道路结冰',
  fog: '大雾',
  haze: '霾',
  hail: '冰雹',
  frost: '霜冻',
  drought: '干旱',
  sandstorm: '沙尘暴',
  earthquake: '地震',
  other: '',
};
const COLOUR_ZH: Readonly<Record<NonNullable<OfficialWarningParams['colour']>, string>> = {
  blue: '蓝色',
  yellow: '黄色',
  orange: '橙色',
  red: '红色',
};
const SEVERITY_ZH: Readonly<Record<OfficialWarningParams['severity'], string>> = {
  Extreme: '特别严重',
  Severe: '严重',
  Moderate: '较重',
  Minor: '一般',
  Unknown: '级别未知',
};

function officialWarningZh(p: OfficialWarningParams): string {
  const where = p.inside === 'polygon' ? '事件位于预警区域内' : `事件距预警区域圆心 ${p.distanceM ?? 0} 米`;
  return `${p.sender} 发布的${p.colour ? COLOUR_ZH[p.colour] : ''}${WARNING_KIND_ZH[p.kind]}预警（${p.identifier}，${SEVERITY_ZH[p.severity]}）覆盖本事件：${where}`;
}

const LINK_ZH: Wording<LinkReason> = {
  same_district: (p, lang, names) => `同一区 ${district(p.district, lang, names)}，相隔 ${p.minutes} 分钟`,
  same_asset: (p) => `同一设施 ${p.assetId}，相隔 ${p.minutes} 分钟`,
  near: (p) => `相距 ${p.distanceM} 米（上限 ${p.limitM} 米），相隔 ${p.minutes} 分钟`,
  spill_over: (p) => `外溢：距事件 ${p.distanceM} 米（上限 ${p.limitM} 米），相隔 ${p.minutes} 分钟`,
  anchor: () => '锚点：其他证据据此匹配',
  merged_from: (p) => `由 ${p.actor} 从 ${p.incidentId} 合并而来`,
  split_from: (p) => `由 ${p.actor} 从 ${p.incidentId} 拆分而来`,
  official_warning_covers: (p) => officialWarningZh(p),
  text: (p) => p.text,
};

const LINK_EN: Wording<LinkReason> = {
  same_district: (p, lang, names) => `same district ${district(p.district, lang, names)}, ${p.minutes} min apart`,
  same_asset: (p) => `same asset ${p.assetId}, ${p.minutes} min apart`,
  near: (p) => `${p.distanceM} m away (limit ${p.limitM} m), ${p.minutes} min apart`,
  spill_over: (p) => `spill-over: ${p.distanceM} m from the incident (limit ${p.limitM} m), ${p.minutes} min apart`,
  anchor: () => 'anchor: the others were matched against it',
  merged_from: (p) => `merged from ${p.incidentId} by ${p.actor}`,
  split_from: (p) => `split from ${p.incidentId} by ${p.actor}`,
  official_warning_covers: (p) => linkReasonText({ code: 'official_warning_covers', params: p }),
  text: (p) => p.text,
};

const zhBecause = (p: Because): string => (p.reason ? `（原因：${p.reason}）` : '');
const enBecause = (p: Because): string => (p.reason ? ` (${p.reason})` : '');
const signal = (id: string, lang: WordingLanguage, names: WordingNames): string => names.signal?.(id, lang) ?? id;

const CHANGE_ZH: Wording<ChangeNote> = {
  opened: (p) => `${p.evidence} 条证据，来自 ${p.sources} 个独立来源，置信度 ${Math.round(p.confidence * 100)}%`,
  evidence_linked: (p, lang, names) => `${p.evidenceId}（${signal(p.signal, lang, names)}）：${wordLinkReason(p.why, lang, names)}`,
  evidence_withdrawn: (p) => `${p.evidenceId} 已撤回：传感器可疑（数值卡滞）`,
  warning_withdrawn: (p) => `${p.evidenceId} 已撤回：预警 ${p.identifier} 已被发布方解除或更新`,
  evidence_cleared: (p) => `${p.evidenceId} 于 ${new Date(p.at).toLocaleTimeString('zh-CN', { hour12: false })} 恢复正常`,
  signals_normal: (p) => `信号已正常 ${p.quietS} 秒${p.operatorConfirms ? '，待值班员确认' : ''}`,
  acknowledged: (p) => `已确认${zhBecause(p)}`,
  severity_set: (p) => `等级设为 ${p.severity}${zhBecause(p)}`,
  absorbed: (p) => `已将 ${p.otherId} 并入本事件${zhBecause(p)}`,
  merged_into: (p) => `已并入 ${p.incidentId}${zhBecause(p)}`,
  split_off: (p) => `${p.evidence} 条证据移至新事件 ${p.incidentId}${zhBecause(p)}`,
  split_from: (p) => `从 ${p.incidentId} 拆分生成${zhBecause(p)}`,
  false_alarm: (p) => `已标记为误报${zhBecause(p)}`,
  resolved: (p) => `已解决${zhBecause(p)}`,
  closed: (p) => `已关闭${zhBecause(p)}`,
  reopened: (p) => `已重新打开${zhBecause(p)}`,
  late_evidence: (p) => `已重新打开：${p.evidenceId} 在解决后才送达，其时间早于解决 ${p.minutesBefore} 分钟`,
  late_evidence_linked: (p, lang, names) =>
    `${p.evidenceId}（${signal(p.signal, lang, names)}）：${wordLinkReason(p.why, lang, names)}；在解决后才送达，其时间早于解决 ${p.minutesBefore} 分钟，静默时间已过，未重新打开`,
  late_alarm_cleared: (p, lang, names) =>
    `${p.evidenceId}（${signal(p.signal, lang, names)}）：${wordLinkReason(p.why, lang, names)}；在解决后与其恢复一同送达，其时间早于解决 ${p.minutesBefore} 分钟，未重新打开`,
  text: (p) => p.text,
};

const CHANGE_EN: Wording<ChangeNote> = {
  opened: (p) => `${p.evidence} evidence from ${p.sources} independent source(s), confidence ${p.confidence}`,
  // The signal id as recorded: English readers see the record's own words.
  evidence_linked: (p, lang, names) => `${p.evidenceId} (${p.signal}): ${wordLinkReason(p.why, lang, names)}`,
  evidence_withdrawn: (p) => `${p.evidenceId} withdrawn: sensor suspect (value stuck)`,
  warning_withdrawn: (p) => `${p.evidenceId} withdrawn: warning ${p.identifier} was cancelled or updated by its issuer`,
  evidence_cleared: (p) => `${p.evidenceId} back to normal at ${new Date(p.at).toISOString()}`,
  signals_normal: (p) => `signals normal for ${p.quietS} s${p.operatorConfirms ? '; an operator confirms' : ''}`,
  acknowledged: (p) => `acknowledged${enBecause(p)}`,
  severity_set: (p) => `severity ${p.severity}${enBecause(p)}`,
  absorbed: (p) => `merged ${p.otherId} into this incident${enBecause(p)}`,
  merged_into: (p) => `merged into ${p.incidentId}${enBecause(p)}`,
  split_off: (p) => `${p.evidence} evidence moved to ${p.incidentId}${enBecause(p)}`,
  split_from: (p) => `split from ${p.incidentId}${enBecause(p)}`,
  false_alarm: (p) => `marked false alarm${enBecause(p)}`,
  resolved: (p) => `resolved${enBecause(p)}`,
  closed: (p) => `closed${enBecause(p)}`,
  reopened: (p) => `reopened${enBecause(p)}`,
  late_evidence: (p) => `reopened: ${p.evidenceId} arrived after the resolution, dated ${p.minutesBefore} min before it`,
  late_evidence_linked: (p, lang, names) =>
    `${p.evidenceId} (${p.signal}): ${wordLinkReason(p.why, lang, names)}; arrived after the resolution, dated ${p.minutesBefore} min before it, its quiet time over: not reopened`,
  late_alarm_cleared: (p, lang, names) =>
    `${p.evidenceId} (${p.signal}): ${wordLinkReason(p.why, lang, names)}; arrived after the resolution together with its clear, dated ${p.minutesBefore} min before it: not reopened`,
  text: (p) => p.text,
};

function word<U extends { code: string; params: unknown }>(table: Wording<U>, item: U, lang: WordingLanguage, names: WordingNames): string {
  const words = (table as Record<string, ((p: unknown, lang: WordingLanguage, names: WordingNames) => string) | undefined>)[item.code];
  // A code of a newer version than this wording: shown as its code rather than not at all.
  return words ? words(item.params, lang, names) : item.code;
}

/** Why a piece of evidence was linked, in `lang`. */
export function wordLinkReason(why: LinkReason, lang: WordingLanguage, names: WordingNames = {}): string {
  return word(lang === 'en' ? LINK_EN : LINK_ZH, why, lang, names);
}

/** What a change was, in `lang`. */
export function wordChangeNote(note: ChangeNote, lang: WordingLanguage, names: WordingNames = {}): string {
  return word(lang === 'en' ? CHANGE_EN : CHANGE_ZH, note, lang, names);
}

/** A stored change detail (its record text) in `lang`; a text that is not a record of ours is shown as stored. */
export function wordChangeDetail(what: ChangeWhat, detail: string, lang: WordingLanguage, names: WordingNames = {}): string {
  return wordChangeNote(changeNoteOf(what, detail), lang, names);
}
